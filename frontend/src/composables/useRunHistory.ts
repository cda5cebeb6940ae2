import { getCurrentScope, onScopeDispose, ref, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { scheduleApi } from '@/services/api'
import type { Run, RunStatus } from '@/services/types'
import { debounce } from '@/utils/debounce'
import { useRequest } from './useRequest'
import { useServerEvents } from './useServerEvents'

/** One schedule's runs, newest first, paged and filtered by status; fresh on run events. */
export function useRunHistory(scheduleId: MaybeRefOrGetter<string>, { pageSize = 20 }: { pageSize?: number } = {}) {
  const runs = ref<Run[]>([])
  const total = ref(0)
  const page = ref(1)
  const status = ref<RunStatus | null>(null)

  const history = useRequest(
    (signal) =>
      scheduleApi.getExecutionHistory(
        toValue(scheduleId),
        { page: page.value, page_size: pageSize, status: status.value },
        { signal },
      ),
    {
      onSuccess: (data) => {
        runs.value = data.items
        total.value = data.total
      },
    },
  )
  const load = async () => {
    await history.run()
  }

  const reload = debounce(load, 250)
  if (getCurrentScope()) onScopeDispose(reload.cancel)

  watch(status, () => {
    page.value = 1
  })
  watch([() => toValue(scheduleId), page, status], load, { immediate: true })

  useServerEvents({
    run: (data) => {
      if (data?.run?.schedule_id === toValue(scheduleId)) reload()
    },
    refresh: load,
  })

  return { runs, total, page, status, pageSize, loading: history.loading, error: history.error, load }
}
