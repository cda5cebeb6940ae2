/**
 * Run control in words: the waits between retries, the overlap policies, warnings from the
 * server, and runs grouped by the attempts of one try. Pure functions: the components that
 * show them stay thin, and each rule is tested on its own.
 */

export type DependencyOn = 'success' | 'failure' | 'always'

export interface ScheduleWarning {
  code: string
  message: string
  instants: string[]
}

export interface RetrySettings {
  max_retries: number | null
  retry_delay_seconds: number | null
  retry_backoff: number | null
  retry_max_delay_seconds: number | null
}

export const RETRY_DEFAULTS = { max_retries: 0, retry_delay_seconds: 60, retry_backoff: 2, retry_max_delay_seconds: 3600 } as const

// Waits past this many are summed up: a preview of 100 waits reads as noise.
const SHOWN_WAITS = 5

/**
 * The waits before each retry, in seconds: delay × backoff^(n−1), capped at the max delay.
 * The server's rule (runctl); the page says it before the first failure does.
 */
export function retryWaits(settings: RetrySettings): number[] {
  const count = settings.max_retries ?? RETRY_DEFAULTS.max_retries
  const delay = settings.retry_delay_seconds ?? RETRY_DEFAULTS.retry_delay_seconds
  const backoff = settings.retry_backoff ?? RETRY_DEFAULTS.retry_backoff
  const cap = settings.retry_max_delay_seconds ?? RETRY_DEFAULTS.retry_max_delay_seconds
  const waits: number[] = []
  for (let n = 0; n < count; n += 1) waits.push(Math.min(cap, delay * backoff ** n))
  return waits
}

/** "45 s", "1 min", "1 min 30 s", "2 h", "1 h 5 min", "3 days": a wait as people say it. */
export function shortDuration(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) {
    const rest = s % 60
    return `${Math.floor(s / 60)} min${rest ? ` ${rest} s` : ''}`
  }
  if (s < 86400) {
    const rest = Math.floor((s % 3600) / 60)
    return `${Math.floor(s / 3600)} h${rest ? ` ${rest} min` : ''}`
  }
  const days = Math.floor(s / 86400)
  const hours = Math.floor((s % 86400) / 3600)
  return `${days} ${days === 1 ? 'day' : 'days'}${hours ? ` ${hours} h` : ''}`
}

/**
 * "A failed run is tried 3 more times: then 1 min, 2 min, 4 min." — or that it is not
 * retried at all. Waits right after the failure are "at once".
 */
export function retryPreview(settings: RetrySettings): string {
  const waits = retryWaits(settings)
  if (!waits.length) return 'A failed run is not tried again.'
  const words = waits.slice(0, SHOWN_WAITS).map((w) => (w <= 0 ? 'at once' : shortDuration(w)))
  const more = waits.length - SHOWN_WAITS
  const tail = more > 0 ? `, then ${more} more of ${shortDuration(waits[waits.length - 1])}` : ''
  const times = waits.length === 1 ? 'once more' : `${waits.length} more times`
  return `A failed or timed-out run is tried ${times}: then ${words.join(', ')}${tail}.`
}

/** The overlap policies, each with one sentence that says what it does. */
export const CONCURRENCY_POLICIES = [
  { value: 'forbid', label: 'Forbid', sentence: 'Skip a run while the previous one is still going.' },
  { value: 'allow', label: 'Allow', sentence: 'Let runs overlap: each starts on time, whatever else runs.' },
  { value: 'replace', label: 'Replace', sentence: 'Cancel the running one and start the new run.' },
  { value: 'buffer_one', label: 'Buffer one', sentence: 'At most one run waits for the running one; more are skipped.' },
  { value: 'buffer_all', label: 'Buffer all', sentence: 'Every run waits for the one before it, in order.' },
] as const

export function policySentence(policy: string): string {
  return CONCURRENCY_POLICIES.find((p) => p.value === policy)?.sentence || ''
}

export const DEPENDENCY_ON: { value: DependencyOn; label: string }[] = [
  { value: 'success', label: 'on success' },
  { value: 'failure', label: 'on failure' },
  { value: 'always', label: 'always' },
]

export function dependencyOnLabel(on: string): string {
  return DEPENDENCY_ON.find((d) => d.value === on)?.label || on
}

/**
 * Warnings as objects, whatever the server sends: a plain string (the older shape) is the
 * duplicate-name warning it used to be the only one of.
 */
export function normaliseWarnings(raw: unknown): ScheduleWarning[] {
  if (!Array.isArray(raw)) return []
  return raw.flatMap((item): ScheduleWarning[] => {
    if (typeof item === 'string') return item ? [{ code: 'duplicate_name', message: item, instants: [] }] : []
    if (item && typeof item === 'object' && typeof (item as ScheduleWarning).message === 'string') {
      const w = item as Partial<ScheduleWarning>
      return [{ code: w.code || 'warning', message: w.message!, instants: Array.isArray(w.instants) ? w.instants : [] }]
    }
    return []
  })
}

export interface AttemptRun {
  id: number
  trigger: string
  attempt?: number | null
  parent_run_id?: number | null
}

export interface AttemptRow<R extends AttemptRun> {
  run: R
  /** The id of the first attempt of this try (the run itself when it is not a retry). */
  group: number
  /** How many attempts of this try are on the page. */
  size: number
  /** True for the second and later rows of a group: they sit under the first. */
  follows: boolean
}

/**
 * A newest-first list of runs with the attempts of one try together: each group sits where
 * its newest attempt is, its attempts in order (1, 2, 3) so a retry is under the one it
 * retries. A retry whose parent is not on the page starts a group of its own.
 */
export function groupAttempts<R extends AttemptRun>(runs: R[]): AttemptRow<R>[] {
  const byId = new Map(runs.map((r) => [r.id, r]))
  const rootOf = (run: R): number => {
    let current = run
    const seen = new Set<number>()
    while (current.trigger === 'retry' && current.parent_run_id && byId.has(current.parent_run_id) && !seen.has(current.id)) {
      seen.add(current.id)
      current = byId.get(current.parent_run_id)!
    }
    return current.id
  }
  const groups = new Map<number, R[]>()
  for (const run of runs) {
    const root = rootOf(run)
    if (!groups.has(root)) groups.set(root, [])
    groups.get(root)!.push(run)
  }
  const rows: AttemptRow<R>[] = []
  for (const [root, members] of groups) {
    const ordered = [...members].sort((a, b) => (a.attempt ?? 1) - (b.attempt ?? 1) || a.id - b.id)
    ordered.forEach((run, index) => rows.push({ run, group: root, size: ordered.length, follows: index > 0 }))
  }
  return rows
}

/** "attempt 2 of 3" (with the schedule's limit), "attempt 2" without it; '' for a lone first try. */
export function attemptText(attempt: number | null | undefined, maxRetries: number | null = null): string {
  const n = attempt ?? 1
  if (maxRetries === null || maxRetries === undefined) return n > 1 ? `attempt ${n}` : ''
  if (maxRetries < 1 && n <= 1) return ''
  return `attempt ${n} of ${Math.max(n, maxRetries + 1)}`
}
