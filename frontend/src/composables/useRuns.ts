import { getCurrentScope, onScopeDispose, ref, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import type { RunQuery } from '@/services/types'
import type { RunRow } from '@/utils/runColumns'
import { useRequest } from './useRequest'
import { useServerEvents } from './useServerEvents'

export type { RunQuery }

/** All runs across schedules (`GET /runs`), newest first, kept fresh from run events. */
export function useRuns(query: MaybeRefOrGetter<RunQuery>) {
  const runs = ref<RunRow[]>([])
  const total = ref(0)

  const list = useRequest((signal) => scheduleApi.getRuns(toValue(query), { signal }), {
    onSuccess: (data) => {
      runs.value = data.items
      total.value = data.total
    },
  })
  const load = async () => {
    await list.run()
  }

  const reload = debounce(load, 250)
  if (getCurrentScope()) onScopeDispose(reload.cancel)
  watch(() => JSON.stringify(toValue(query)), load, { immediate: true })
  useServerEvents({ run: reload, refresh: load })

  return { runs, total, loading: list.loading, error: list.error, load }
}
