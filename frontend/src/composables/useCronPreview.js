import { getCurrentScope, onScopeDispose, ref, toValue, watch } from 'vue'
import { scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'

/**
 * Asks the server what a cron expression means, as the user types: the description
 * in words and the next run times in the zone. Answers that arrive after a newer
 * question was asked are dropped.
 */
export function useCronPreview(expression, timezone, { delay = 300, count = 5 } = {}) {
  const description = ref('')
  const nextRuns = ref([])
  const error = ref('')
  const loading = ref(false)
  let asked = 0

  async function preview() {
    const text = String(toValue(expression) || '').trim()
    const mine = ++asked
    if (!text) {
      description.value = ''
      nextRuns.value = []
      error.value = 'Enter a cron expression, or pick values above.'
      loading.value = false
      return
    }
    loading.value = true
    try {
      const data = await scheduleApi.previewCron({ expression: text, timezone: toValue(timezone), count })
      if (mine !== asked) return
      description.value = data.description
      nextRuns.value = data.next_runs
      error.value = ''
    } catch (err) {
      if (mine !== asked) return
      description.value = ''
      nextRuns.value = []
      error.value = err.errors?.[0]?.message || err.message
    } finally {
      if (mine === asked) loading.value = false
    }
  }

  const later = debounce(preview, delay)
  watch(
    () => [toValue(expression), toValue(timezone)],
    () => {
      loading.value = true
      later()
    },
  )
  if (getCurrentScope()) onScopeDispose(later.cancel)
  preview()

  return { description, nextRuns, error, loading, refresh: preview }
}
