/**
 * The report's figures in words: changes against the period before, with whether they are
 * for the better, and the period's query read from and written to the URL. Pure, so tested alone.
 */
import type { ReportPeriod, ReportPeriodName } from '@/composables/useReport'
import { formatDuration } from '@/utils/format'

export type ChangeKind = 'runs' | 'failures' | 'success_rate' | 'duration_p95'
export type Verdict = 'better' | 'worse' | 'same' | 'neutral'

export interface Change {
  arrow: '▲' | '▼' | '='
  text: string // "+3", "−1.5 pts", "+2 s"
  word: string // "better", "worse", "" (runs: more is neither)
  verdict: Verdict
  sentence: string // the whole of it, for a title
}

// Which way is good: fewer failures, a higher success rate, a shorter p95; more runs is neither.
const GOOD_WHEN_UP: Record<ChangeKind, boolean | null> = { runs: null, failures: false, success_rate: true, duration_p95: false }
const NAMES: Record<ChangeKind, string> = { runs: 'Runs', failures: 'Failures', success_rate: 'Success rate', duration_p95: 'p95 duration' }

function amount(kind: ChangeKind, value: number): string {
  const size = Math.abs(value)
  if (kind === 'success_rate') return `${(size * 100).toFixed(1)} pts`
  if (kind === 'duration_p95') return formatDuration(size)
  return String(size)
}

export function changeOf(kind: ChangeKind, value: number | null | undefined): Change {
  if (value == null) return { arrow: '=', text: 'new', word: '', verdict: 'neutral', sentence: `${NAMES[kind]}: nothing to compare with` }
  if (value === 0 || (kind === 'success_rate' && Math.abs(value) < 0.0005)) {
    return { arrow: '=', text: 'same', word: '', verdict: 'same', sentence: `${NAMES[kind]}: as in the period before` }
  }
  const up = value > 0
  const good = GOOD_WHEN_UP[kind]
  const verdict: Verdict = good == null ? 'neutral' : up === good ? 'better' : 'worse'
  const word = verdict === 'neutral' ? '' : verdict
  const text = `${up ? '+' : '−'}${amount(kind, value)}`
  const sentence = `${NAMES[kind]}: ${up ? 'up' : 'down'} ${amount(kind, value)} on the period before${word ? `, ${word}` : ''}`
  return { arrow: up ? '▲' : '▼', text, word, verdict, sentence }
}

export const PERIOD_NAMES: { value: ReportPeriodName; label: string }[] = [
  { value: 'day', label: 'Today' },
  { value: 'week', label: '7 days' },
  { value: 'month', label: '30 days' },
]

const DATE = /^\d{4}-\d{2}-\d{2}$/

/** The period a URL's query asks for: `from` and `to` when both are dates, else a named one (a week by default). */
export function periodFromQuery(query: Record<string, unknown>): ReportPeriod {
  const from = typeof query.from === 'string' ? query.from : ''
  const to = typeof query.to === 'string' ? query.to : ''
  if (DATE.test(from) && DATE.test(to)) return { from, to }
  const name = PERIOD_NAMES.find((p) => p.value === query.period)?.value
  return { period: name ?? 'week' }
}

/** The query for a period: the default (a week) leaves the URL bare. */
export function periodQuery(period: ReportPeriod): Record<string, string> {
  if ('from' in period) return { from: period.from, to: period.to }
  return period.period === 'week' ? {} : { period: period.period }
}

/** "1 Dec 2026" from "2026-12-01", read as the UTC day it names. */
export function formatDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`)
  if (Number.isNaN(d.getTime())) return date
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d)
}

/** "1 Dec 2026 – 7 Dec 2026", or one day alone. */
export function formatDays(from: string, to: string): string {
  return from === to ? formatDay(from) : `${formatDay(from)} – ${formatDay(to)}`
}
