import { getCurrentScope, onScopeDispose, ref } from 'vue'
import { ApiError, scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import type { Queue, QueueItem } from '@/services/types'
import { useRequest } from './useRequest'
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
  let supported = true

  const read = useRequest(
    async (signal) => {
      try {
        return await scheduleApi.getQueue({ signal })
      } catch (err) {
        // No queue endpoint on this server: the answer stays null, and is not asked again.
        if (!(err instanceof ApiError && err.status === 404)) throw err
        supported = false
        return null
      }
    },
    {
      onSuccess: (data) => {
        if (data) queue.value = data
      },
    },
  )
  async function load() {
    if (supported) await read.run()
  }
  const reload = debounce(load, 250)
  if (getCurrentScope()) onScopeDispose(reload.cancel)

  useServerEvents({ run: reload, schedule: reload, scheduler: reload, refresh: load })
  load()

  return { queue, error: read.error, load }
}
