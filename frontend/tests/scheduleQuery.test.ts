import { describe, expect, it } from 'vitest'
import { bulkFilter, filtersActive, listParams, readScheduleQuery, writeScheduleQuery } from '@/utils/scheduleQuery'
import { parseSort, sortAfterClick, tableSortOrder, SORT_OPTIONS, SCHEDULE_SORTS } from '@/utils/scheduleSort'

describe('the schedule list in the URL', () => {
  it('reads every filter, the order, the view and the page, with a repeated tag as a list', () => {
    const f = readScheduleQuery({
      q: 'load',
      workflow: 'main',
      state: 'disabled',
      group: 'ETL',
      tag: ['nightly', 'team:data', 'nightly'],
      sort: '-next_run',
      view: 'table',
      page: '3',
      page_size: '100',
    })
    expect(f).toEqual({
      q: 'load',
      workflow_type: 'main',
      enabled: false,
      last_status: null,
      group: 'ETL',
      tag: ['nightly', 'team:data'],
      sort: '-next_run',
      view: 'table',
      page: 3,
      page_size: 100,
    })
    expect(readScheduleQuery({ tag: 'nightly' }).tag).toEqual(['nightly'])
  })

  it('falls back to the defaults for what it does not know', () => {
    const f = readScheduleQuery({ sort: 'cpu', view: 'grid', page: '-2', page_size: '7' })
    expect([f.sort, f.view, f.page, f.page_size, f.tag]).toEqual(['name', 'cards', 1, 50, []])
  })

  it('leaves the defaults out when writing, so a plain list has a plain URL', () => {
    expect(writeScheduleQuery(readScheduleQuery({}))).toEqual({
      q: undefined,
      workflow: undefined,
      state: undefined,
      last_status: undefined,
      group: undefined,
      tag: undefined,
      sort: undefined,
      view: undefined,
      page: undefined,
      page_size: undefined,
    })
  })

  it('writes back what it read', () => {
    const query = { group: 'ETL', tag: ['a', 'b'], sort: 'last_run', view: 'table', state: 'enabled', page: '2', page_size: '100' }
    const written = Object.fromEntries(Object.entries(writeScheduleQuery(readScheduleQuery(query))).filter(([, v]) => v))
    expect(written).toEqual(query)
  })

  it('asks the API for the set filters only, and for a bulk filter without paging or order', () => {
    const f = readScheduleQuery({ group: 'ETL', tag: ['a', 'b'], state: 'enabled', sort: '-group', page: '2' })
    expect(listParams(f)).toEqual({ group: 'ETL', tag: ['a', 'b'], enabled: true, sort: '-group', page: 2, page_size: 50 })
    expect(bulkFilter(f)).toEqual({ group: 'ETL', tag: ['a', 'b'], enabled: true })
    expect(bulkFilter(readScheduleQuery({ state: 'disabled' }))).toEqual({ enabled: false })
    expect(filtersActive(f)).toBe(true)
    expect(filtersActive(readScheduleQuery({ sort: '-name', view: 'table', page: '4' }))).toBe(false)
  })
})

describe('sort mapping', () => {
  it('knows the eight orders of the API and nothing else', () => {
    expect(SCHEDULE_SORTS).toHaveLength(8)
    expect(new Set(SORT_OPTIONS.map((o) => o.value))).toEqual(new Set(SCHEDULE_SORTS))
    expect(parseSort('-last_run')).toBe('-last_run')
    expect(parseSort('--name')).toBe('name')
    expect(parseSort(undefined)).toBe('name')
  })

  it('turns header clicks into the API\'s orders: the natural one first, then reversed, then the default', () => {
    const clicks = (column: string, times: number, from: Parameters<typeof sortAfterClick>[0] = 'name') => {
      const seen = []
      let sort = from
      for (let i = 0; i < times; i++) seen.push((sort = sortAfterClick(sort, column)))
      return seen
    }
    expect(clicks('next_run', 3)).toEqual(['next_run', '-next_run', 'name'])
    expect(clicks('last_run', 3)).toEqual(['-last_run', 'last_run', 'name'])
    expect(clicks('group', 3, '-next_run')).toEqual(['group', '-group', 'name'])
    expect(clicks('name', 3)).toEqual(['-name', 'name', '-name'])
    expect(sortAfterClick('-group', 'tags')).toBe('-group')
  })

  it('shows the arrow on the sorted column only', () => {
    expect(tableSortOrder('-group', 'group')).toBe('descend')
    expect(tableSortOrder('group', 'group')).toBe('ascend')
    expect(tableSortOrder('-group', 'name')).toBe(false)
  })
})
