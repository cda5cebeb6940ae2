import { getCurrentScope, onScopeDispose, ref } from 'vue'
import { scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import type { Queue, QueueItem } from '@/services/types'
import { useServerEvents } from './useServerEvents'

export type { Queue, QueueItem }
export type QueueRun = QueueItem['run']

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
