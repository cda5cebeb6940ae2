import { getCurrentScope, onScopeDispose, ref, toValue, watch } from 'vue'
import { scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import { useServerEvents } from './useServerEvents'

/** One schedule's runs, newest first, paged and filtered by status; fresh on run events. */
export function useRunHistory(scheduleId, { pageSize = 20 } = {}) {
  const runs = ref([])
  const total = ref(0)
  const page = ref(1)
  const status = ref(null)
  const loading = ref(false)
  const error = ref(null)
  let asked = 0

  async function load() {
    const mine = ++asked
    loading.value = true
    try {
      const data = await scheduleApi.getExecutionHistory(toValue(scheduleId), {
        page: page.value,
        page_size: pageSize,
        status: status.value,
      })
      if (mine !== asked) return
      runs.value = data.items
      total.value = data.total
      error.value = null
    } catch (err) {
      if (mine === asked) error.value = err
    } finally {
      if (mine === asked) loading.value = false
    }
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

  return { runs, total, page, status, pageSize, loading, error, load }
}
