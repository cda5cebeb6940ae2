import { describe, expect, it } from 'vitest'
import { BULK_ACTIONS, bulkRequests, failureText, summarise, summaryText } from '@/utils/scheduleBulk'
import { useScheduleSelection } from '@/composables/useScheduleSelection'
import { ref } from 'vue'

describe('bulk requests', () => {
  it('sends picked ids, in requests of at most 1,000', () => {
    expect(bulkRequests('disable', { ids: ['a', 'b'] })).toEqual([{ action: 'disable', ids: ['a', 'b'] }])
    const ids = Array.from({ length: 2345 }, (_, i) => `s${i}`)
    const bodies = bulkRequests('enable', { ids })
    expect(bodies.map((b) => b.ids!.length)).toEqual([1000, 1000, 345])
    expect(bodies.flatMap((b) => b.ids)).toEqual(ids)
  })

  it('sends everything matching as the filter itself, not as ids', () => {
    expect(bulkRequests('run', { filter: { group: 'ETL', tag: ['a'] } })).toEqual([
      { action: 'run', filter: { group: 'ETL', tag: ['a'] } },
    ])
  })

  it('sends a value to the actions that take one only, trimmed', () => {
    expect(bulkRequests('set_group', { ids: ['a'] }, ' ETL ')).toEqual([{ action: 'set_group', ids: ['a'], value: 'ETL' }])
    expect(bulkRequests('set_group', { ids: ['a'] }, '')).toEqual([{ action: 'set_group', ids: ['a'], value: '' }])
    expect(bulkRequests('add_tag', { filter: {} }, 'nightly')).toEqual([{ action: 'add_tag', filter: {}, value: 'nightly' }])
    expect(bulkRequests('delete', { ids: ['a'] }, 'ignored')).toEqual([{ action: 'delete', ids: ['a'] }])
  })

  it('needs the role each single action needs', () => {
    const needs = Object.fromEntries(Object.entries(BULK_ACTIONS).map(([action, info]) => [action, info.needs]))
    expect(needs).toEqual({
      enable: 'operate',
      disable: 'operate',
      run: 'operate',
      set_group: 'admin',
      add_tag: 'admin',
      remove_tag: 'admin',
      delete: 'admin',
    })
  })

  it('counts the answers and names the failures', () => {
    const names = new Map([['a', 'Nightly']])
    const summary = summarise(
      [
        { id: 'a', ok: false, error: 'already running' },
        { id: 'b', ok: true, error: null },
        { id: 'c', ok: false, error: null },
      ],
      (id) => names.get(id),
    )
    expect(summary).toEqual({
      ok: 1,
      failed: [
        { id: 'a', name: 'Nightly', error: 'already running' },
        { id: 'c', name: 'c', error: 'failed' },
      ],
    })
    expect(summaryText('disable', '', 1)).toBe('1 schedule disabled')
    expect(summaryText('set_group', 'ETL', 1200)).toBe('1,200 schedules moved to the group “ETL”')
    expect(summaryText('set_group', '', 2)).toBe('2 schedules taken out of their group')
    expect(failureText('run', '', 2, 5)).toBe('2 of 5 schedules not queued to run')
  })
})

describe('useScheduleSelection', () => {
  function setup(page = ['a', 'b', 'c'], total = 10) {
    const ids = ref(page)
    const count = ref(total)
    return { ids, count, s: useScheduleSelection(() => ids.value, () => count.value) }
  }

  it('picks rows one by one and keeps them across pages', () => {
    const { ids, s } = setup()
    s.check('a', true)
    s.check('b', true)
    expect(s.pageChecked.value).toBe('some')
    ids.value = ['d', 'e']
    s.check('d', true)
    expect(s.ids.value).toEqual(['a', 'b', 'd'])
    expect(s.count.value).toBe(3)
    s.check('a', false)
    expect(s.ids.value).toEqual(['b', 'd'])
  })

  it('offers all matching once the whole page is picked, and counts them all', () => {
    const { s } = setup()
    s.checkPage(true)
    expect(s.pageChecked.value).toBe('all')
    expect(s.offerAllMatching.value).toBe(true)
    s.selectAllMatching()
    expect(s.allMatching.value).toBe(true)
    expect(s.count.value).toBe(10)
    expect(s.isSelected('zzz')).toBe(true)
    expect(s.offerAllMatching.value).toBe(false)
  })

  it('does not offer all matching when the page is all there is', () => {
    const { s } = setup(['a', 'b'], 2)
    s.checkPage(true)
    expect(s.offerAllMatching.value).toBe(false)
  })

  it('leaves all matching for the visible rows less the one unpicked', () => {
    const { s } = setup()
    s.selectAllMatching()
    s.check('b', false)
    expect(s.allMatching.value).toBe(false)
    expect(s.ids.value).toEqual(['a', 'c'])
  })

  it('unpicks the page, and with all matching everything', () => {
    const { ids, s } = setup()
    s.check('x', true)
    s.checkPage(true)
    s.checkPage(false)
    expect(s.ids.value).toEqual(['x'])
    s.selectAllMatching()
    s.checkPage(false)
    expect([s.allMatching.value, s.count.value]).toEqual([false, 0])
    ids.value = []
    expect(s.pageChecked.value).toBe('none')
  })
})
