import { getCurrentScope, onScopeDispose, readonly, ref, watch, type Ref } from 'vue'
import { useServerReachability } from './useServerReachability'

/**
 * One clock for the whole page, ticking every second while anything shows a time.
 *
 * Relative times ("8 s ago") and countdowns are all read from this one ref, so the
 * header and a list never disagree. It runs on the server's time: the offset between
 * the browser's clock and the server's (from the `Date` header of API answers, see
 * services/api.ts) is added, so a run that ended a moment ago on the server never
 * reads as a moment ahead in a browser whose clock is behind.
 */

const TICK_MS = 1000
// The Date header has whole seconds: smaller differences are noise, not skew.
const SKEW_THRESHOLD_MS = 1500

const now = ref(Date.now())
let offsetMs = 0
let timer: ReturnType<typeof setInterval> | null = null
let users = 0

const { reachable } = useServerReachability()

function tick() {
  // While the server does not answer, countdowns stand still: what they count to is unknown.
  if (reachable.value) now.value = Date.now() + offsetMs
}

watch(reachable, tick)

/** The server's clock minus the browser's, in ms (as measured by the API client). */
export function setServerClockOffset(measuredMs: number) {
  const next = Math.abs(measuredMs) < SKEW_THRESHOLD_MS ? 0 : measuredMs
  if (next === offsetMs) return
  offsetMs = next
  tick()
}

/** Date.now() on the server's clock. */
export function serverNow(): number {
  return Date.now() + offsetMs
}

/** The shared clock, as a read-only ref of ms since the epoch (server time). */
export function useNow(): Readonly<Ref<number>> {
  users += 1
  tick()
  if (!timer) timer = setInterval(tick, TICK_MS)
  if (getCurrentScope()) {
    onScopeDispose(() => {
      users -= 1
      if (users === 0 && timer) {
        clearInterval(timer)
        timer = null
      }
    })
  }
  return readonly(now)
}
