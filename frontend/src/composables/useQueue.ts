import { getCurrentScope, onScopeDispose, ref } from 'vue'
import { scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import { useServerEvents } from './useServerEvents'

export interface QueueRun {
  id: number
  schedule_id: string
  schedule_name?: string | null
  timezone?: string | null
  queued_at: string
  trigger: string
  attempt?: number | null
  not_before?: string | null
}

export interface QueueItem {
  position: number
  priority: number
  wait: 'slots' | 'not_before' | 'overlap'
  reason: string
  run: QueueRun
}

export interface Queue {
  slots_total: number
  slots_busy: number
  items: QueueItem[]
}

/**
 * The queued runs in the order they will start (`GET /queue`), kept fresh on run events.
 * `queue` stays null on a server without the endpoint (404): the dashboard then shows the
 * status's plain list of queued runs instead.
 */
export function useQueue() {
  const queue = ref<Queue | null>(null)
  const error = ref<Error | null>(null)
  let supported = true

  async function load() {
    if (!supported) return
    try {
      queue.value = await scheduleApi.getQueue()
      error.value = null
    } catch (err) {
      if ((err as { status?: number }).status === 404) supported = false
      else error.value = err as Error
    }
  }
  const reload = debounce(load, 250)
  if (getCurrentScope()) onScopeDispose(reload.cancel)

  useServerEvents({ run: reload, schedule: reload, scheduler: reload, refresh: load })
  load()

  return { queue, error, load }
}
