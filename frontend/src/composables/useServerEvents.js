import { getCurrentScope, onScopeDispose, readonly, ref } from 'vue'
import { EVENTS_URL } from '@/services/api'

/**
 * One shared EventSource on `/api/v1/events` for the whole page.
 *
 * Components subscribe with handlers per event name (`run`, `schedule`, `scheduler`)
 * and a `refresh` handler. While the stream is down, `refresh` is called every
 * POLL_INTERVAL_MS instead, and the stream is retried with a growing delay; when it
 * comes back, `refresh` is called once so nothing missed in between stays stale.
 */

export const POLL_INTERVAL_MS = 10_000
const RETRY_MIN_MS = 2_000
const RETRY_MAX_MS = 30_000
const EVENT_NAMES = ['run', 'schedule', 'scheduler']

const mode = ref('idle') // idle | connecting | live | polling
const listeners = new Map([...EVENT_NAMES, 'refresh'].map((name) => [name, new Set()]))
let source = null
let pollTimer = null
let retryTimer = null
let retryDelay = RETRY_MIN_MS
let subscribers = 0

function emit(name, data) {
  for (const handler of listeners.get(name)) {
    try {
      handler(data)
    } catch (error) {
      console.error(`tickwork: ${name} handler failed`, error)
    }
  }
}

function startPolling() {
  if (pollTimer) return
  pollTimer = setInterval(() => emit('refresh', { reason: 'poll' }), POLL_INTERVAL_MS)
}

function stopPolling() {
  clearInterval(pollTimer)
  pollTimer = null
}

function scheduleRetry() {
  clearTimeout(retryTimer)
  retryTimer = setTimeout(connect, retryDelay)
  retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS)
}

function onOpen() {
  const recovering = mode.value === 'polling'
  mode.value = 'live'
  retryDelay = RETRY_MIN_MS
  stopPolling()
  if (recovering) emit('refresh', { reason: 'reconnected' })
}

function onError() {
  // EventSource would retry by itself, but not after an HTTP error; closing and
  // reopening ourselves gives one behaviour for every kind of failure.
  source?.close()
  source = null
  const wasLive = mode.value === 'live'
  mode.value = 'polling'
  startPolling()
  scheduleRetry()
  // The stream dropping is often the server going away: ask at once rather than in 10 s,
  // so the page says so (or catches up) without delay.
  if (wasLive) emit('refresh', { reason: 'stream-lost' })
}

function connect() {
  retryTimer = null
  if (subscribers === 0) return
  if (typeof EventSource === 'undefined') {
    mode.value = 'polling'
    startPolling()
    return
  }
  if (mode.value !== 'polling') mode.value = 'connecting'
  source = new EventSource(EVENTS_URL)
  source.addEventListener('open', onOpen)
  source.addEventListener('error', onError)
  for (const name of EVENT_NAMES) {
    source.addEventListener(name, (event) => {
      let data
      try {
        data = JSON.parse(event.data)
      } catch {
        return
      }
      emit(name, data)
    })
  }
}

function disconnect() {
  source?.close()
  source = null
  stopPolling()
  clearTimeout(retryTimer)
  retryTimer = null
  retryDelay = RETRY_MIN_MS
  mode.value = 'idle'
}

/**
 * @param {{run?: Function, schedule?: Function, scheduler?: Function, refresh?: Function}} handlers
 * @returns {{mode: import('vue').Ref<string>}}
 */
export function useServerEvents(handlers = {}) {
  const added = []
  for (const [name, handler] of Object.entries(handlers)) {
    if (!listeners.has(name) || typeof handler !== 'function') continue
    listeners.get(name).add(handler)
    added.push([name, handler])
  }
  subscribers += 1
  if (subscribers === 1) connect()

  if (getCurrentScope()) {
    onScopeDispose(() => {
      for (const [name, handler] of added) listeners.get(name).delete(handler)
      subscribers -= 1
      if (subscribers === 0) disconnect()
    })
  }
  return { mode: readonly(mode) }
}
