import { afterEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import ScheduleDetailPerformance from '@/components/ScheduleDetailPerformance.vue'
import BaseChart from '@/components/charts/BaseChart.vue'
import { jsonResponse } from './support/fetch'
import { point, scheduleStats } from './support/stats'

enableAutoUnmount(afterEach)
afterEach(() => vi.unstubAllGlobals())

const run = (id: number, status: string, seconds: number, at: string) => ({
  id,
  schedule_id: 's1',
  status,
  duration_seconds: seconds,
  started_at: at,
})
const RUNS = [
  run(3, 'failed', 4, '2026-12-04T10:00:00Z'),
  run(2, 'success', 2, '2026-12-03T10:00:00Z'),
  run(1, 'success', 1, '2026-12-02T10:00:00Z'),
  { ...run(4, 'running', 0, '2026-12-04T11:00:00Z'), duration_seconds: null },
]

/** A server answering the stats of each window (`stats`) and the runs; `fail` answers 500 for paths matching it. */
function stubServer({ runs = RUNS, stats = (w: string) => scheduleStats(w, { success: 2, failed: 1 }), fail = null as RegExp | null } = {}) {
  const fetch = vi.fn(async (url: string) => {
    const { pathname, searchParams } = new URL(url, 'http://page')
    if (fail?.test(pathname)) return jsonResponse(500, { error: 'internal', message: 'The store is down.' })
    if (pathname === '/api/v1/schedules/s1/stats') return jsonResponse(200, stats(searchParams.get('window') ?? '7d'))
    if (pathname === '/api/v1/schedules/s1/runs') return jsonResponse(200, { items: runs, total: runs.length, page: 1, page_size: 200 })
    return jsonResponse(404, { error: 'not_found', message: pathname })
  })
  vi.stubGlobal('fetch', fetch)
  return fetch
}

async function mountIt() {
  const view = mount(ScheduleDetailPerformance, { props: { scheduleId: 's1', timezone: 'UTC' } })
  await flushPromises()
  await vi.dynamicImportSettled()
  await flushPromises()
  return view
}

describe('ScheduleDetailPerformance', () => {
  it('draws each ended run under its p95 line, with the figures and the days', async () => {
    const days = [point('2026-12-03T00:00:00Z', { success: 2 }), point('2026-12-04T00:00:00Z', { success: 1, failed: 1 })]
    stubServer({ stats: (w) => scheduleStats(w, { success: 2, failed: 1 }, w === '90d' ? days : []) })
    const view = await mountIt()
    expect(view.get('[data-test="stats-runs"] dd').text()).toBe('3')
    expect(view.get('[data-test="stats-success-rate"] dd').text()).toBe('66.7 %')
    expect(view.get('[data-test="stats-p95"] dd').text()).toBe('9.5 s')
    expect(view.get('[data-test="stats-memory"] dd').text()).toBe('50.0 MB')

    const chart = view.get('[data-test="duration-chart"]')
    expect(chart.attributes('data-points')).toBe('3') // the running run has no duration yet
    expect(chart.attributes('aria-label')).toContain('3 runs, 1 failed')
    const option = view.findAllComponents(BaseChart)[0].props('option') as {
      series: { name: string; data: unknown[]; markLine?: { data: { yAxis: number }[] } }[]
    }
    expect(option.series.map((s) => [s.name, s.data.length])).toEqual([
      ['Succeeded', 2],
      ['Failed', 1],
    ])
    expect(option.series[0].markLine?.data[0].yAxis).toBe(9.5)
    await vi.waitFor(() => expect(chart.find('svg').exists()).toBe(true))

    const calendar = view.get('[data-test="calendar-chart"]')
    expect(calendar.attributes('data-points')).toBe('2')
    expect(calendar.attributes('aria-label')).toContain('4 runs, 1 failed; runs on 2 days, failures on 1')
    expect(view.findAll('[data-test="chart-summary"]').map((s) => s.text())).toEqual([
      'Last 7 days: 3 runs, 1 failed, success rate 66.7 %, p95 9.5 s.',
      'Last 90 days: 4 runs, 1 failed; runs on 2 days, failures on 1.',
    ])
  })

  it('asks again for the window picked', async () => {
    const fetch = stubServer()
    const view = await mountIt()
    await view.get('[data-test="stats-window-30d"] input').setValue(true)
    await flushPromises()
    const windows = fetch.mock.calls.map(([url]) => new URL(url, 'http://page').searchParams.get('window')).filter(Boolean)
    expect(windows).toContain('30d')
    expect(view.get('[data-test="duration-chart"]').attributes('aria-label')).toContain('Last 30 days')
  })

  it('says so when nothing ran', async () => {
    stubServer({ runs: [], stats: (w) => scheduleStats(w) })
    const view = await mountIt()
    expect(view.get('[data-test="stats-success-rate"] dd').text()).toBe('—')
    expect(view.find('[data-test="duration-chart"]').exists()).toBe(false)
    expect(view.get('[data-test="duration-empty"]').text()).toContain('No run ended in the last 7 days')
    expect(view.get('[data-test="calendar-empty"]').text()).toContain('No runs in the last 90 days')
  })

  it("shows the server's error when the statistics cannot be read", async () => {
    stubServer({ fail: /\/stats$/ })
    const view = await mountIt()
    expect(view.get('[data-test="stats-error"]').text()).toContain('The store is down.')
    expect(view.get('[data-test="calendar-error"]').text()).toContain('The store is down.')
    expect(view.find('[data-test="duration-chart"]').exists()).toBe(false)
  })
})
