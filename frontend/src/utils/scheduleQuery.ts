/**
 * The schedule list's state in the URL: `?q=&workflow=&state=enabled|disabled&last_status=
 * &group=&tag=a&tag=b&sort=&view=table&page=&page_size=`. A reload, a shared link and
 * back/forward all show the same list; defaults are left out so a plain `/schedules` stays so.
 */
import type { LocationQuery } from 'vue-router'
import { queryList, queryText, type QueryValues } from '@/composables/useQueryFilters'
import type { RunStatus } from '@/services/types'
import { DEFAULT_SORT, parseSort, type ScheduleSort } from './scheduleSort'

export type ScheduleView = 'cards' | 'table'
export const PAGE_SIZES = [50, 100] as const
export const DEFAULT_PAGE_SIZE = PAGE_SIZES[0]

export interface ScheduleFilters {
  q: string
  workflow_type: string | null
  enabled: boolean | null
  last_status: RunStatus | null
  group: string | null
  /** All of these tags (the API's repeated `tag`). */
  tag: string[]
  sort: ScheduleSort
  view: ScheduleView
  page: number
  page_size: number
}

/** The filters proper: what narrows the list (not its order, view or page). */
export type ScheduleFilterFields = Pick<ScheduleFilters, 'q' | 'workflow_type' | 'enabled' | 'last_status' | 'group' | 'tag'>

const STATES: Record<string, boolean> = { enabled: true, disabled: false }

export const NO_FILTERS: ScheduleFilterFields = {
  q: '',
  workflow_type: null,
  enabled: null,
  last_status: null,
  group: null,
  tag: [],
}

export function readScheduleQuery(query: LocationQuery): ScheduleFilters {
  const size = Number.parseInt(queryText(query, 'page_size'), 10)
  return {
    q: queryText(query, 'q'),
    workflow_type: queryText(query, 'workflow') || null,
    enabled: STATES[queryText(query, 'state')] ?? null,
    // Not checked here: an unknown status goes to the server as typed, and its 422 says so.
    last_status: (queryText(query, 'last_status') || null) as RunStatus | null,
    group: queryText(query, 'group') || null,
    tag: queryList(query, 'tag'),
    sort: parseSort(queryText(query, 'sort')),
    view: queryText(query, 'view') === 'table' ? 'table' : 'cards',
    page: Math.max(1, Number.parseInt(queryText(query, 'page'), 10) || 1),
    page_size: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
  }
}

export function writeScheduleQuery(f: ScheduleFilters): QueryValues {
  return {
    q: f.q || undefined,
    workflow: f.workflow_type || undefined,
    state: f.enabled === null ? undefined : f.enabled ? 'enabled' : 'disabled',
    last_status: f.last_status || undefined,
    group: f.group || undefined,
    tag: f.tag.length ? [...f.tag] : undefined,
    sort: f.sort === DEFAULT_SORT ? undefined : f.sort,
    view: f.view === 'table' ? 'table' : undefined,
    page: f.page > 1 ? String(f.page) : undefined,
    page_size: f.page_size === DEFAULT_PAGE_SIZE ? undefined : String(f.page_size),
  }
}

/** The bulk request's `filter`: the set filters only, as the list's query names them. */
export function bulkFilter(f: ScheduleFilterFields): Partial<ScheduleFilterFields> {
  const filter: Partial<ScheduleFilterFields> = {}
  if (f.q) filter.q = f.q
  if (f.enabled !== null) filter.enabled = f.enabled
  if (f.workflow_type) filter.workflow_type = f.workflow_type
  if (f.last_status) filter.last_status = f.last_status
  if (f.group) filter.group = f.group
  if (f.tag.length) filter.tag = [...f.tag]
  return filter
}

/** One page of the list, as `GET /schedules` takes it (unset values are left out by the API service). */
export function listParams(f: ScheduleFilters) {
  return { ...bulkFilter(f), sort: f.sort, page: f.page, page_size: f.page_size }
}

export function filtersActive(f: ScheduleFilterFields): boolean {
  return Object.keys(bulkFilter(f)).length > 0
}
