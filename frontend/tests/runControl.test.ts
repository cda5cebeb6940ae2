import { describe, expect, it } from 'vitest'
import { attemptText, groupAttempts, normaliseWarnings, retryPreview, retryWaits, shortDuration } from '@/utils/runControl'

const settings = (max_retries: number, retry_delay_seconds = 60, retry_backoff = 2, retry_max_delay_seconds = 3600) => ({
  max_retries,
  retry_delay_seconds,
  retry_backoff,
  retry_max_delay_seconds,
})

describe('retryWaits', () => {
  it('grows each wait by the backoff and caps it at the longest delay', () => {
    expect(retryWaits(settings(3))).toEqual([60, 120, 240])
    expect(retryWaits(settings(4, 1000, 3, 5000))).toEqual([1000, 3000, 5000, 5000])
    expect(retryWaits(settings(0))).toEqual([])
  })

  it('takes the server defaults for fields left empty', () => {
    expect(retryWaits({ max_retries: 2, retry_delay_seconds: null, retry_backoff: null, retry_max_delay_seconds: null })).toEqual([60, 120])
  })
})

describe('retryPreview', () => {
  it('says the waits in words', () => {
    expect(retryPreview(settings(3))).toBe('A failed or timed-out run is tried 3 more times: then 1 min, 2 min, 4 min.')
    expect(retryPreview(settings(1, 0))).toBe('A failed or timed-out run is tried once more: then at once.')
    expect(retryPreview(settings(0))).toBe('A failed run is not tried again.')
  })

  it('sums up a long tail of waits', () => {
    expect(retryPreview(settings(8, 600, 2, 7200))).toBe(
      'A failed or timed-out run is tried 8 more times: then 10 min, 20 min, 40 min, 1 h 20 min, 2 h, then 3 more of 2 h.',
    )
  })
})

describe('shortDuration', () => {
  it('picks the unit people would', () => {
    expect(shortDuration(45)).toBe('45 s')
    expect(shortDuration(90)).toBe('1 min 30 s')
    expect(shortDuration(3900)).toBe('1 h 5 min')
    expect(shortDuration(86400 * 2 + 3600)).toBe('2 days 1 h')
  })
})

describe('normaliseWarnings', () => {
  it('keeps objects and turns an older server’s strings into duplicate-name warnings', () => {
    expect(
      normaliseWarnings([
        'Another schedule is called “A”.',
        { code: 'slot_overload', message: 'Too many at once', instants: ['2026-12-02T08:00:00Z'] },
        { code: 'self_overlap', message: 'Overlaps' },
      ]),
    ).toEqual([
      { code: 'duplicate_name', message: 'Another schedule is called “A”.', instants: [] },
      { code: 'slot_overload', message: 'Too many at once', instants: ['2026-12-02T08:00:00Z'] },
      { code: 'self_overlap', message: 'Overlaps', instants: [] },
    ])
  })

  it('gives nothing for anything else', () => {
    expect(normaliseWarnings(undefined)).toEqual([])
    expect(normaliseWarnings(['', null, 3, {}])).toEqual([])
  })
})

describe('groupAttempts', () => {
  const run = (id: number, trigger: string, attempt = 1, parent_run_id: number | null = null) => ({ id, trigger, attempt, parent_run_id })

  it('puts the attempts of one try together, in order, where the newest one is', () => {
    // Newest first, as the API lists them: 5 retries 3, which retries 2; 4 is another run.
    const rows = groupAttempts([run(5, 'retry', 3, 3), run(4, 'manual'), run(3, 'retry', 2, 2), run(2, 'schedule'), run(1, 'schedule')])

    expect(rows.map((r) => [r.run.id, r.group, r.follows])).toEqual([
      [2, 2, false],
      [3, 2, true],
      [5, 2, true],
      [4, 4, false],
      [1, 1, false],
    ])
    expect(rows[0].size).toBe(3)
  })

  it('starts a group at a retry whose parent is not on the page', () => {
    const rows = groupAttempts([run(9, 'retry', 3, 8), run(8, 'retry', 2, 7)])
    expect(rows.map((r) => [r.run.id, r.group, r.follows])).toEqual([
      [8, 8, false],
      [9, 8, true],
    ])
  })

  it('does not group a chained run with the run that caused it', () => {
    const rows = groupAttempts([run(2, 'chain', 1, 1), run(1, 'schedule')])
    expect(rows.map((r) => r.group)).toEqual([2, 1])
  })
})

describe('attemptText', () => {
  it('counts attempts against the schedule’s limit when it is known', () => {
    expect(attemptText(2, 2)).toBe('attempt 2 of 3')
    expect(attemptText(1, 2)).toBe('attempt 1 of 3')
    expect(attemptText(1, 0)).toBe('')
    expect(attemptText(2, null)).toBe('attempt 2')
    expect(attemptText(1, null)).toBe('')
  })
})
