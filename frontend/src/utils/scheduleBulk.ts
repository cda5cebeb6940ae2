/**
 * Bulk actions on schedules (`POST /schedules/bulk`): what each needs, how its request is
 * built, and its per-schedule answers in words. No IO here: useScheduleBulk sends.
 */
import type { BulkResult as ApiBulkResult } from '@/services/types'
import type { ScheduleFilterFields } from './scheduleQuery'

export type BulkAction = 'enable' | 'disable' | 'run' | 'delete' | 'set_group' | 'add_tag' | 'remove_tag'

/** Picked rows by id, or everything matching the list's filters (no id list for 10,000). */
export type BulkTarget = { ids: string[] } | { filter: Partial<ScheduleFilterFields> }

export interface BulkBody {
  action: BulkAction
  ids?: string[]
  filter?: Partial<ScheduleFilterFields>
  value?: string
}

/** One schedule's answer to a bulk request, as the API gives it. */
export type BulkResult = ApiBulkResult

interface ActionInfo {
  label: string
  /** The ability each single action needs (utils/roles): the bulk one needs the same. */
  needs: 'operate' | 'admin'
  /** What the action takes as its value, if anything. */
  value: 'group' | 'tag' | null
  /** Past tense, for "3 schedules disabled". */
  done: (value: string) => string
  /** Worth a second thought before it is sent. */
  confirm: boolean
}

export const BULK_ACTIONS: Record<BulkAction, ActionInfo> = {
  enable: { label: 'Enable', needs: 'operate', value: null, done: () => 'enabled', confirm: false },
  disable: { label: 'Disable', needs: 'operate', value: null, done: () => 'disabled', confirm: false },
  run: { label: 'Run now', needs: 'operate', value: null, done: () => 'queued to run', confirm: false },
  set_group: {
    label: 'Set group…',
    needs: 'admin',
    value: 'group',
    done: (group) => (group ? `moved to the group “${group}”` : 'taken out of their group'),
    confirm: false,
  },
  add_tag: { label: 'Add tag…', needs: 'admin', value: 'tag', done: (tag) => `tagged “${tag}”`, confirm: false },
  remove_tag: { label: 'Remove tag…', needs: 'admin', value: 'tag', done: (tag) => `untagged “${tag}”`, confirm: false },
  delete: { label: 'Delete…', needs: 'admin', value: null, done: () => 'deleted', confirm: true },
}

export const BULK_ORDER: BulkAction[] = ['enable', 'disable', 'run', 'set_group', 'add_tag', 'remove_tag', 'delete']

/** The API's limit on one request's id list (schemas.BulkRequest). */
export const MAX_BULK_IDS = 1000
/** The API's limit on how many schedules one filter may act on (bulk.py: a 422 beyond). */
export const MAX_BULK_MATCHING = 1000

/**
 * The request bodies for an action: one for a filter, one per 1,000 ids. `value` is sent only
 * to the actions that take one (a group, trimmed, '' for no group; a tag).
 */
export function bulkRequests(action: BulkAction, target: BulkTarget, value = ''): BulkBody[] {
  const takes = BULK_ACTIONS[action].value
  const extra = takes ? { value: value.trim() } : {}
  if ('filter' in target) return [{ action, filter: { ...target.filter }, ...extra }]
  const bodies: BulkBody[] = []
  for (let start = 0; start < target.ids.length; start += MAX_BULK_IDS) {
    bodies.push({ action, ids: target.ids.slice(start, start + MAX_BULK_IDS), ...extra })
  }
  return bodies
}

export interface BulkFailure {
  id: string
  name: string
  error: string
}

export interface BulkSummary {
  ok: number
  failed: BulkFailure[]
}

/** The answers counted, the failures named (by the names the page knows, else by id). */
export function summarise(results: BulkResult[], nameOf: (id: string) => string | undefined = () => undefined): BulkSummary {
  const failed = results
    .filter((r) => !r.ok)
    .map((r) => ({ id: r.id, name: nameOf(r.id) || r.id, error: r.error || 'failed' }))
  return { ok: results.length - failed.length, failed }
}

export const plural = (count: number, one: string, many = `${one}s`) =>
  `${count.toLocaleString('en-GB')} ${count === 1 ? one : many}`

/** "3 schedules disabled", "1 schedule moved to the group “ETL”". */
export function summaryText(action: BulkAction, value: string, count: number): string {
  return `${plural(count, 'schedule')} ${BULK_ACTIONS[action].done(value.trim())}`
}

/** "2 of 5 schedules not disabled". */
export function failureText(action: BulkAction, value: string, failed: number, total: number): string {
  return `${failed.toLocaleString('en-GB')} of ${plural(total, 'schedule')} not ${BULK_ACTIONS[action].done(value.trim())}`
}
