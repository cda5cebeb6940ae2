/** How a restore's plan (or outcome) reads: its counts in words, and a refused copy's problems. */
import type { RestorePlan } from '@/composables/useBackups'
import { importProblems, type FieldError } from './importProblems'

export type CountKey = 'added' | 'changed' | 'removed' | 'unchanged'

export interface PlanCount {
  key: CountKey
  count: number
  /** "1 added" */
  text: string
  /** Naive UI tag type: a count of nothing is plain, a removal red. */
  type: 'default' | 'success' | 'info' | 'error'
}

const TYPES: Record<CountKey, PlanCount['type']> = { added: 'success', changed: 'info', removed: 'error', unchanged: 'default' }

export function planCounts(plan: RestorePlan): PlanCount[] {
  const counts: [CountKey, number][] = [
    ['added', plan.added.length],
    ['changed', plan.changed.length],
    ['removed', plan.removed.length],
    ['unchanged', plan.unchanged],
  ]
  return counts.map(([key, count]) => ({ key, count, text: `${count} ${key}`, type: count ? TYPES[key] : 'default' }))
}

/** "1 added, 0 changed, 0 removed, 1 unchanged" */
export function planSummary(plan: RestorePlan): string {
  return planCounts(plan)
    .map((c) => c.text)
    .join(', ')
}

/** A 422's problems of a copy, each as "Schedule 2, time zone: unknown time zone: Mars/Olympus". */
export function copyProblems(errors: FieldError[]): string[] {
  return importProblems(errors, null).map(
    (p) => `${p.where}${p.field ? `, ${p.field}` : ''}: ${p.message}`,
  )
}
