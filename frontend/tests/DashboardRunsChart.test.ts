import { afterEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import DashboardRunsChart from '@/components/DashboardRunsChart.vue'
import BaseChart from '@/components/charts/BaseChart.vue'
import { jsonResponse } from './support/fetch'
import { dayStats } from './support/stats'

enableAutoUnmount(afterEach)
afterEach(() => vi.unstubAllGlobals())

async function mountWith(answer: Response) {
  const fetch = vi.fn<(url: string) => Promise<Response>>(async () => answer)
  vi.stubGlobal('fetch', fetch)
  const view = mount(DashboardRunsChart, { props: { zone: 'UTC' } })
  await flushPromises()
  await vi.dynamicImportSettled()
  await flushPromises()
  return { view, fetch }
}

describe('DashboardRunsChart', () => {
  it("stacks each hour's runs by outcome", async () => {
    const { view, fetch } = await mountWith(jsonResponse(200, dayStats({ success: 5, failed: 1, timeout: 1, skipped: 2 })))
    expect(fetch.mock.calls[0][0]).toBe('/api/v1/stats?window=24h')
    const chart = view.get('[data-test="dashboard-runs-chart"]')
    expect(chart.attributes('data-points')).toBe('24')
    expect(chart.attributes('aria-label')).toContain('9 runs, 2 failed, success rate 71.4 %')
    const option = view.findComponent(BaseChart).props('option') as {
      xAxis: { data: string[] }
      series: { name: string; stack: string; data: number[] }[]
    }
    expect(option.xAxis.data.at(-1)).toBe('20:00')
    expect(option.series.map((s) => [s.name, s.data.at(-1)])).toEqual([
      ['Succeeded', 5],
      ['Failed', 2],
      ['Cancelled or skipped', 2],
    ])
    expect(new Set(option.series.map((s) => s.stack)).size).toBe(1)
    await vi.waitFor(() => expect(chart.find('svg').exists()).toBe(true))
  })

  it('says so when no run ended in the day', async () => {
    const { view } = await mountWith(jsonResponse(200, dayStats()))
    expect(view.find('[data-test="dashboard-runs-chart"]').exists()).toBe(false)
    expect(view.get('[data-test="dashboard-runs-empty"]').text()).toContain('No run ended in the last 24 hours')
  })

  it("shows the server's error", async () => {
    const { view } = await mountWith(jsonResponse(503, { error: 'store_unavailable', message: 'The database cannot be read.' }))
    expect(view.get('[data-test="dashboard-runs-error"]').text()).toContain('The database cannot be read.')
  })
})
