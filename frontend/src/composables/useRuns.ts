import { getCurrentScope, onScopeDispose, ref, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import type { RunQuery } from '@/services/types'
import type { RunRow } from '@/utils/runColumns'
import { useServerEvents } from './useServerEvents'

export type { RunQuery }

/** All runs across schedules (`GET /runs`), newest first, kept fresh from run events. */
export function useRuns(query: MaybeRefOrGetter<RunQuery>) {
  const runs = ref<RunRow[]>([])
  const total = ref(0)
  const loading = ref(false)
  const error = ref<Error | null>(null)
  let asked = 0

  async function load() {
    const mine = ++asked
    loading.value = true
    try {
      const data = await scheduleApi.getRuns(toValue(query))
      if (mine !== asked) return
      runs.value = data.items
      total.value = data.total
      error.value = null
    } catch (err) {
      if (mine === asked) error.value = err as Error
    } finally {
      if (mine === asked) loading.value = false
    }
  }

  const reload = debounce(load, 250)
  if (getCurrentScope()) onScopeDispose(reload.cancel)
  watch(() => JSON.stringify(toValue(query)), load, { immediate: true })
  useServerEvents({ run: reload, refresh: load })

  return { runs, total, loading, error, load }
}
