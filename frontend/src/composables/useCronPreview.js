import { getCurrentScope, onScopeDispose, ref, toValue, watch } from 'vue'
import { scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import { normaliseWarnings } from '@/utils/runControl'

// Set once a server answered that it does not take the schedule's fields (an older one):
// from then on the preview asks without them, and has no warnings to show.
let contextRefused = false

/** The schedule's fields for the preview's warnings, without the unset ones. */
function contextQuery(context) {
  const query = {}
  for (const [key, value] of Object.entries(toValue(context) || {})) {
    if (value !== null && value !== undefined && value !== '') query[key] = value
  }
  return query
}

function refusesContext(err, query) {
  const keys = Object.keys(query)
  return err?.status === 422 && keys.length > 0 && err.errors?.length > 0 && err.errors.every((e) => keys.includes(e.field))
}

/**
 * Asks the server what a cron expression means, as the user types: the description
 * in words and the next run times in the zone, and with `context` (a getter of the
 * schedule's `{timeout_seconds, schedule_id, concurrency_policy}`) its warnings.
 * Answers that arrive after a newer question was asked are dropped.
 */
export function useCronPreview(expression, timezone, { delay = 300, count = 5, context = null } = {}) {
  const description = ref('')
  const nextRuns = ref([])
  const warnings = ref([])
  const error = ref('')
  const loading = ref(false)
  let asked = 0

  async function preview() {
    const text = String(toValue(expression) || '').trim()
    const mine = ++asked
    if (!text) {
      description.value = ''
      nextRuns.value = []
      warnings.value = []
      error.value = 'Enter a cron expression, or pick values above.'
      loading.value = false
      return
    }
    loading.value = true
    try {
      const data = await ask(text)
      if (mine !== asked) return
      description.value = data.description
      nextRuns.value = data.next_runs
      warnings.value = normaliseWarnings(data.warnings)
      error.value = ''
    } catch (err) {
      if (mine !== asked) return
      description.value = ''
      nextRuns.value = []
      warnings.value = []
      error.value = err.errors?.[0]?.message || err.message
    } finally {
      if (mine === asked) loading.value = false
    }
  }

  async function ask(text) {
    const base = { expression: text, timezone: toValue(timezone), count }
    const extra = contextRefused ? {} : contextQuery(context)
    try {
      return await scheduleApi.previewCron({ ...base, ...extra })
    } catch (err) {
      if (!refusesContext(err, extra)) throw err
      contextRefused = true
      return scheduleApi.previewCron(base)
    }
  }

  const later = debounce(preview, delay)
  watch(
    () => [toValue(expression), toValue(timezone), JSON.stringify(contextQuery(context))],
    () => {
      loading.value = true
      later()
    },
  )
  if (getCurrentScope()) onScopeDispose(later.cancel)
  preview()

  return { description, nextRuns, warnings, error, loading, refresh: preview }
}
