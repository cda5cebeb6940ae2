/** Answers of the statistics and report routes, as the server writes them, for stubbed fetches. */

const ZERO = { success: 0, failed: 0, timeout: 0, cancelled: 0, lost: 0, skipped: 0 }

export type Counts = Partial<typeof ZERO>

export function countsOf(counts: Counts = {}) {
  return { ...ZERO, ...counts }
}

export function point(start: string, counts: Counts = {}, p95: number | null = null) {
  const c = countsOf(counts)
  return { start, runs: Object.values(c).reduce((a, b) => a + b, 0), counts: c, duration_p95: p95 }
}

/** `GET /schedules/{id}/stats`: `counts` over the window, `series` as given. */
export function scheduleStats(window: string, counts: Counts = {}, series: ReturnType<typeof point>[] = [], figures = {}) {
  const c = countsOf(counts)
  const runs = Object.values(c).reduce((a, b) => a + b, 0)
  const judged = c.success + c.failed + c.timeout + c.lost
  return {
    schedule_id: 's1',
    window,
    bucket: window === '24h' ? 'hour' : 'day',
    since: '2026-09-06T00:00:00Z',
    until: '2026-12-05T00:00:00Z',
    runs,
    counts: c,
    success_rate: judged ? c.success / judged : null,
    duration_p50: runs ? 2 : null,
    duration_p95: runs ? 9.5 : null,
    duration_max: runs ? 12 : null,
    duration_total: runs * 3,
    cpu_seconds_mean: runs ? 1.5 : null,
    peak_memory_max: runs ? 50 * 1024 * 1024 : null,
    series,
    ...figures,
  }
}

/** `GET /stats?window=24h`: 24 hourly points ending with the hour of `last`, `counts` in the last one. */
export function dayStats(counts: Counts = {}, last = '2026-12-04T20:00:00Z') {
  const end = Date.parse(last)
  const series = Array.from({ length: 24 }, (_, i) => {
    const start = new Date(end - (23 - i) * 3600_000).toISOString()
    return i === 23 ? point(start, counts) : point(start)
  })
  const all = scheduleStats('24h', counts, series)
  return { window: '24h', bucket: 'hour', since: series[0].start, until: last, all, groups: [] }
}

export function figures(runs: number, failures: number, previous: { runs: number; failures: number } | null = null) {
  const rate = (r: number, f: number) => (r ? (r - f) / r : null)
  const line = (r: number, f: number) => ({
    runs: r,
    failures: f,
    success_rate: rate(r, f),
    duration_total: r * 2,
    duration_p95: r ? 4 : null,
    cpu_seconds_total: r * 0.5,
    peak_memory_max: r ? 1024 * 1024 : null,
  })
  const now = line(runs, failures)
  if (!previous) return { ...now, previous: null, change: null }
  const before = line(previous.runs, previous.failures)
  const change = {
    runs: runs - previous.runs,
    failures: failures - previous.failures,
    success_rate: now.success_rate != null && before.success_rate != null ? now.success_rate - before.success_rate : null,
    duration_p95: now.duration_p95 != null && before.duration_p95 != null ? now.duration_p95 - before.duration_p95 : null,
  }
  return { ...now, previous: { ...before, previous: null, change: null }, change }
}

/** `GET /reports`: two schedules in two groups, and one slow run. */
export function report(from = '2026-11-28', to = '2026-12-04') {
  return {
    from,
    to,
    previous_from: '2026-11-21',
    previous_to: '2026-11-27',
    all: figures(16, 3, { runs: 10, failures: 4 }),
    groups: [
      { group: 'reporting', ...figures(12, 3, { runs: 8, failures: 4 }) },
      { group: null, ...figures(4, 0, { runs: 2, failures: 0 }) },
    ],
    schedules: [
      { schedule_id: 's1', schedule: 'Nightly export', group: 'reporting', ...figures(12, 3, { runs: 8, failures: 4 }) },
      { schedule_id: 's2', schedule: 'Cache warm-up', group: null, ...figures(4, 0) },
    ],
    slowest_runs: [
      { run_id: 41, schedule_id: 's1', schedule: 'Nightly export', duration_seconds: 75, status: 'success', started_at: '2026-12-03T02:00:00Z' },
    ],
  }
}
