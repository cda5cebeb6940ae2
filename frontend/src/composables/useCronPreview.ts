import { computed, getCurrentScope, onScopeDispose, ref, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { ApiError, scheduleApi } from '@/services/api'
import type { ApiQuery } from '@/services/types'
import { debounce } from '@/utils/debounce'
import { normaliseWarnings, type ScheduleWarning } from '@/utils/runControl'
import { errorMessage, useRequest } from './useRequest'

type CronQuery = ApiQuery<'/cron/preview', 'get'>
/** A schedule's fields the preview's warnings look at. */
export type CronContext = Pick<CronQuery, 'timeout_seconds' | 'schedule_id' | 'concurrency_policy' | 'name'>

// Set once a server answered that it does not take the schedule's fields (an older one):
// from then on the preview asks without them, and has no warnings to show.
let contextRefused = false

/** The schedule's fields for the preview's warnings, without the unset ones. */
function contextQuery(context: MaybeRefOrGetter<CronContext | null | undefined>): CronContext {
  const query: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(toValue(context) || {})) {
    if (value !== null && value !== undefined && value !== '') query[key] = value
  }
  return query as CronContext
}

function refusesContext(err: unknown, query: CronContext): boolean {
  const keys = Object.keys(query)
  return (
    err instanceof ApiError &&
    err.status === 422 &&
    keys.length > 0 &&
    err.errors.length > 0 &&
    err.errors.every((e) => keys.includes(e.field))
  )
}

// An expression's problem in the words of its field ("expected 5 fields ..."), without the
// "expression: " the whole message leads with.
function describe(err: Error): string {
  return (err instanceof ApiError && err.errors[0]?.message) || errorMessage(err)
}

/**
 * Asks the server what a cron expression means, as the user types: the description
 * in words and the next run times in the zone, and with `context` (a getter of the
 * schedule's `{timeout_seconds, schedule_id, concurrency_policy}`) its warnings.
 * A question still unanswered when a newer one is asked is aborted.
 */
export function useCronPreview(
  expression: MaybeRefOrGetter<string | null | undefined>,
  timezone: MaybeRefOrGetter<string | null | undefined>,
  {
    delay = 300,
    count = 5,
    context = null,
  }: { delay?: number; count?: number; context?: MaybeRefOrGetter<CronContext | null | undefined> } = {},
) {
  const description = ref('')
  const nextRuns = ref<string[]>([])
  const warnings = ref<ScheduleWarning[]>([])
  const error = ref('')
  // Typing: the question waits for a pause (`delay`) before it is asked.
  const waiting = ref(false)

  function clear() {
    description.value = ''
    nextRuns.value = []
    warnings.value = []
  }

  const ask = useRequest(
    async (signal, text: string) => {
      const base = { expression: text, timezone: toValue(timezone), count }
      const extra = contextRefused ? {} : contextQuery(context)
      try {
        return await scheduleApi.previewCron({ ...base, ...extra }, { signal })
      } catch (err) {
        if (!refusesContext(err, extra)) throw err
        contextRefused = true
        return scheduleApi.previewCron(base, { signal })
      }
    },
    {
      describe,
      onSuccess: (data) => {
        description.value = data.description
        nextRuns.value = data.next_runs
        warnings.value = normaliseWarnings(data.warnings)
        error.value = ''
      },
      onError: (err) => {
        clear()
        error.value = describe(err)
      },
    },
  )

  async function preview() {
    waiting.value = false
    const text = String(toValue(expression) || '').trim()
    if (!text) {
      ask.abort()
      clear()
      error.value = 'Enter a cron expression, or pick values above.'
      return
    }
    await ask.run(text)
  }

  const later = debounce(preview, delay)
  watch(
    () => [toValue(expression), toValue(timezone), JSON.stringify(contextQuery(context))],
    () => {
      waiting.value = true
      later()
    },
  )
  if (getCurrentScope()) onScopeDispose(later.cancel)
  preview()

  const loading = computed(() => waiting.value || ask.loading.value)
  return { description, nextRuns, warnings, error, loading, refresh: preview }
}
