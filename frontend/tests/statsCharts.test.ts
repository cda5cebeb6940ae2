import { describe, expect, it } from 'vitest'
import { changeOf, periodFromQuery, periodQuery } from '@/utils/report'
import { dayCells, durationPoints, formatRate, outcomeOf, runsSummary, shareLevel } from '@/utils/statsCharts'
import { point } from './support/stats'

describe('statsCharts', () => {
  it('tells outcomes apart and sums them up in words', () => {
    expect(['success', 'failed', 'timeout', 'lost', 'cancelled', 'skipped', 'running'].map(outcomeOf)).toEqual([
      'success', 'failure', 'failure', 'failure', 'other', 'other', null,
    ])
    expect(runsSummary(0, 0)).toBe('no runs')
    expect(runsSummary(1, 0)).toBe('1 run, none failed')
    expect(runsSummary(12, 2)).toBe('12 runs, 2 failed')
    expect([formatRate(null), formatRate(1), formatRate(0.75), formatRate(0.98765)]).toEqual(['—', '100 %', '75 %', '98.8 %'])
  })

  it('keeps the runs with a duration, oldest first', () => {
    const runs = [
      { id: 2, status: 'failed', duration_seconds: 3, started_at: '2026-12-04T10:00:00Z' },
      { id: 1, status: 'success', duration_seconds: 1, started_at: '2026-12-03T10:00:00Z' },
      { id: 3, status: 'running', duration_seconds: null, started_at: '2026-12-04T11:00:00Z' },
    ]
    expect(durationPoints(runs as never).map((p) => [p.id, p.outcome])).toEqual([
      [1, 'success'],
      [2, 'failure'],
    ])
  })

  it("colours a day by the share of its judged runs that failed", () => {
    const cells = dayCells([point('2026-12-03T00:00:00Z', { success: 3, failed: 1 }), point('2026-12-04T00:00:00Z', { cancelled: 2 })])
    expect(cells).toEqual([
      { date: '2026-12-03', runs: 4, failures: 1, share: 0.25 },
      { date: '2026-12-04', runs: 2, failures: 0, share: null },
    ])
    expect([0, 0.25, 0.5, 0.51, 1].map(shareLevel)).toEqual(['none', 'some', 'some', 'most', 'most'])
  })
})

describe('report', () => {
  it('says which way a change goes and whether it is for the better', () => {
    expect(changeOf('failures', 2)).toMatchObject({ arrow: '▲', text: '+2', word: 'worse' })
    expect(changeOf('success_rate', 0.05)).toMatchObject({ arrow: '▲', text: '+5.0 pts', word: 'better' })
    expect(changeOf('duration_p95', -3)).toMatchObject({ arrow: '▼', text: '−3.0 s', word: 'better' })
    expect(changeOf('runs', 4)).toMatchObject({ arrow: '▲', word: '', verdict: 'neutral' })
    expect(changeOf('runs', 0)).toMatchObject({ text: 'same', verdict: 'same' })
    expect(changeOf('failures', null)).toMatchObject({ text: 'new', verdict: 'neutral' })
  })

  it('reads the period from the URL and writes it back', () => {
    expect(periodFromQuery({})).toEqual({ period: 'week' })
    expect(periodFromQuery({ period: 'month' })).toEqual({ period: 'month' })
    expect(periodFromQuery({ period: 'year' })).toEqual({ period: 'week' })
    expect(periodFromQuery({ from: '2026-11-01', to: '2026-11-30' })).toEqual({ from: '2026-11-01', to: '2026-11-30' })
    expect(periodFromQuery({ from: '2026-11-01' })).toEqual({ period: 'week' })
    expect(periodQuery({ period: 'week' })).toEqual({})
    expect(periodQuery({ period: 'day' })).toEqual({ period: 'day' })
  })
})
