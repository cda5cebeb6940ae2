/**
 * The schedule list's orders, as the API names them (`sort=name|-name|next_run|...`), and
 * their mapping to a table's sortable columns (Naive UI's 'ascend' / 'descend' / false).
 */

export const SCHEDULE_SORTS = ['name', '-name', 'next_run', '-next_run', 'last_run', '-last_run', 'group', '-group'] as const
export type ScheduleSort = (typeof SCHEDULE_SORTS)[number]
export type SortColumn = 'name' | 'group' | 'next_run' | 'last_run'
export type SortOrder = 'ascend' | 'descend' | false

/** The server's own default: the URL leaves it out. */
export const DEFAULT_SORT: ScheduleSort = 'name'

const COLUMNS: readonly SortColumn[] = ['name', 'group', 'next_run', 'last_run']

// Said the way a user looks for it: "soonest first", not "ascending".
export const SORT_OPTIONS: { value: ScheduleSort; label: string }[] = [
  { value: 'name', label: 'Name, A to Z' },
  { value: '-name', label: 'Name, Z to A' },
  { value: 'next_run', label: 'Next run, soonest first' },
  { value: '-next_run', label: 'Next run, latest first' },
  { value: '-last_run', label: 'Last run, newest first' },
  { value: 'last_run', label: 'Last run, oldest first' },
  { value: 'group', label: 'Group, A to Z' },
  { value: '-group', label: 'Group, Z to A' },
]

/** A sort read from the URL; anything the API does not know is the default. */
export function parseSort(text: string | null | undefined): ScheduleSort {
  return (SCHEDULE_SORTS as readonly string[]).includes(text ?? '') ? (text as ScheduleSort) : DEFAULT_SORT
}

export function isSortColumn(key: unknown): key is SortColumn {
  return (COLUMNS as readonly unknown[]).includes(key)
}

// The order a header's first click gives: the one people look for first (the next run
// soonest, the last run newest).
const FIRST: Record<SortColumn, ScheduleSort> = { name: 'name', group: 'group', next_run: 'next_run', last_run: '-last_run' }
const flip = (sort: ScheduleSort): ScheduleSort => (sort.startsWith('-') ? (sort.slice(1) as ScheduleSort) : (`-${sort}` as ScheduleSort))

/**
 * The sort after a click on a column's header: its first order, then the other way, then
 * back to the default. (The table's own cycle starts descending, which suits neither names
 * nor next runs.) A column that is not sortable leaves the sort as it is.
 */
export function sortAfterClick(current: ScheduleSort, columnKey: unknown): ScheduleSort {
  if (!isSortColumn(columnKey)) return current
  const first = FIRST[columnKey]
  if (current === first) return flip(first)
  if (current === flip(first)) return first === DEFAULT_SORT ? first : DEFAULT_SORT
  return first
}

/** How a column shows the current sort: the arrow on the one column sorted, none elsewhere. */
export function tableSortOrder(sort: ScheduleSort, columnKey: SortColumn): SortOrder {
  if (sort === columnKey) return 'ascend'
  if (sort === `-${columnKey}`) return 'descend'
  return false
}
