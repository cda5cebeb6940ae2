import { getCurrentScope, onScopeDispose, readonly, ref, type Ref } from 'vue'
import { EVENTS_URL } from '@/services/api'
import type { Run, Schedule } from '@/services/types'

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
const EVENT_NAMES = ['run', 'schedule', 'scheduler'] as const

/**
 * What each event carries (the stream's `data`, see api/events.py): the run or schedule as
 * the API answers it, read when the event was sent (absent when it is gone by then).
 */
export interface RunEvent {
  action?: string
  run_id?: number
  run?: Run
}
export interface ScheduleEvent {
  action?: string
  schedule_id?: string | null
  schedule?: Schedule
}
export interface SchedulerEvent {
  paused?: boolean
  pause_note?: string | null
}
export interface RefreshEvent {
  reason: 'poll' | 'reconnected' | 'stream-lost'
}
interface EventData {
  run: RunEvent
  schedule: ScheduleEvent
  scheduler: SchedulerEvent
  refresh: RefreshEvent
}
type EventName = keyof EventData
export type ServerEventHandlers = { [K in EventName]?: (data: EventData[K]) => unknown }
export type StreamMode = 'idle' | 'connecting' | 'live' | 'polling'

type AnyHandler = (data: never) => unknown

const mode = ref<StreamMode>('idle')
const listeners = new Map<EventName, Set<AnyHandler>>([...EVENT_NAMES, 'refresh' as const].map((name) => [name, new Set()]))
let source: EventSource | null = null
let pollTimer: ReturnType<typeof setInterval> | null = null
let retryTimer: ReturnType<typeof setTimeout> | null = null
let retryDelay = RETRY_MIN_MS
let subscribers = 0

function emit<K extends EventName>(name: K, data: EventData[K]) {
  for (const handler of listeners.get(name) as Set<(data: EventData[K]) => unknown>) {
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
  if (pollTimer) clearInterval(pollTimer)
  pollTimer = null
}

function scheduleRetry() {
  if (retryTimer) clearTimeout(retryTimer)
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
      let data: EventData[typeof name]
      try {
        data = JSON.parse((event as MessageEvent<string>).data)
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
  if (retryTimer) clearTimeout(retryTimer)
  retryTimer = null
  retryDelay = RETRY_MIN_MS
  mode.value = 'idle'
}

/** Subscribes `handlers` (per event name) for as long as the calling scope lives. */
export function useServerEvents(handlers: ServerEventHandlers = {}): { mode: Readonly<Ref<StreamMode>> } {
  const added: [EventName, AnyHandler][] = []
  for (const [name, handler] of Object.entries(handlers) as [EventName, AnyHandler | undefined][]) {
    const set = listeners.get(name)
    if (!set || typeof handler !== 'function') continue
    set.add(handler)
    added.push([name, handler])
  }
  subscribers += 1
  if (subscribers === 1) connect()

  if (getCurrentScope()) {
    onScopeDispose(() => {
      for (const [name, handler] of added) listeners.get(name)?.delete(handler)
      subscribers -= 1
      if (subscribers === 0) disconnect()
    })
  }
  return { mode: readonly(mode) }
}
