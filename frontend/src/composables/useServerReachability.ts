import { readonly, ref } from 'vue'

/**
 * Whether the tickwork server answers, as the page last saw it.
 *
 * Every API answer says yes; a request that got no answer at all (or a proxy's 502-504
 * in front of a server that is down) says no. While it is no, the page shows a banner,
 * greys what it shows and stops its clocks, because all of it may be out of date.
 */

const reachable = ref(true)
const since = ref<number | null>(null)

export function reportReachable(answered: boolean) {
  if (answered === reachable.value) return
  reachable.value = answered
  since.value = answered ? null : Date.now()
}

export function useServerReachability() {
  return { reachable: readonly(reachable), since: readonly(since) }
}
