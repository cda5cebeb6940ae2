import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, isRef, nextTick, ref, type Ref } from 'vue'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { NConfigProvider, darkTheme, type GlobalTheme } from 'naive-ui'
import RunResourceChart from '@/components/RunResourceChart.vue'
import BaseChart from '@/components/charts/BaseChart.vue'
import { jsonResponse } from './support/fetch'

enableAutoUnmount(afterEach)

const MiB = 1024 * 1024

function answer(status: string, count: number) {
  const samples = Array.from({ length: count }, (_, i) => ({
    at: new Date(Date.parse('2026-12-04T10:00:00Z') + (i + 1) * 2000).toISOString(),
    cpu_percent: 10 * (i + 1),
    rss_bytes: (i + 1) * 10 * MiB,
    processes: 2,
  }))
  return {
    run_id: 7,
    status,
    interval_seconds: 2,
    samples,
    cpu_percent_mean: count ? 25 : null,
    cpu_percent_peak: count ? 10 * count : null,
    memory_mean_bytes: count ? 20 * MiB : null,
    peak_memory_bytes: count ? count * 10 * MiB : null,
  }
}

/** The chart in a page of `theme`, for a run whose status the page holds in `status`. */
async function mountChart(props: { status: string | Ref<string> }, theme: GlobalTheme | null = null) {
  const status = isRef(props.status) ? props.status : ref(props.status)
  const Host = defineComponent({
    setup: () => () =>
      h(NConfigProvider, { theme }, () => h(RunResourceChart, { runId: 7, startedAt: '2026-12-04T10:00:00Z', status: status.value })),
  })
  const view = mount(Host)
  await flushPromises()
  await vi.dynamicImportSettled()
  await flushPromises()
  return view
}

beforeEach(() => vi.useRealTimers())
afterEach(() => vi.unstubAllGlobals())

describe('RunResourceChart', () => {
  it('draws the samples of an ended run with its figures, in SVG', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, answer('success', 3))))
    const view = await mountChart({ status: 'success' })
    const chart = view.get('[data-test="resources-chart"]')
    expect(chart.attributes('data-points')).toBe('3')
    expect(chart.attributes('aria-label')).toContain('3 samples')
    expect(view.get('[data-test="resources-cpu-mean"]').text()).toContain('25.0 %')
    expect(view.get('[data-test="resources-memory-peak"]').text()).toContain('30.0 MB')
    expect(view.get('[data-test="resources-processes"]').text()).toContain('up to 2')
    expect(view.find('[data-test="resources-live"]').exists()).toBe(false)
    await vi.waitFor(() => expect(chart.find('svg').exists()).toBe(true))
  })

  it('reads the samples again while the run goes, and stops once it ended', async () => {
    vi.useFakeTimers()
    const answers = [answer('running', 1), answer('running', 2), answer('success', 3)]
    const fetch = vi.fn(async () => jsonResponse(200, answers.shift() ?? answer('success', 3)))
    vi.stubGlobal('fetch', fetch)
    const view = await mountChart({ status: 'running' })
    expect(view.get('[data-test="resources-chart"]').attributes('data-points')).toBe('1')
    expect(view.find('[data-test="resources-live"]').exists()).toBe(true)
    await vi.advanceTimersByTimeAsync(3000)
    expect(view.get('[data-test="resources-chart"]').attributes('data-points')).toBe('2')
    await vi.advanceTimersByTimeAsync(3000)
    expect(view.get('[data-test="resources-chart"]').attributes('data-points')).toBe('3')
    await vi.advanceTimersByTimeAsync(30_000)
    expect(fetch).toHaveBeenCalledTimes(3)
    expect(fetch.mock.calls[0]).toEqual(expect.arrayContaining(['/api/v1/runs/7/resources']))
  })

  it('reads the whole series once more when the page learns the run ended', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, answer('running', 1)))
    vi.stubGlobal('fetch', fetch)
    const status = ref('running')
    const view = await mountChart({ status })
    const calls = fetch.mock.calls.length
    fetch.mockImplementation(async () => jsonResponse(200, answer('success', 4)))
    status.value = 'success' // a run event told the page
    await flushPromises()
    await vi.dynamicImportSettled()
    expect(fetch.mock.calls.length).toBe(calls + 1)
    expect(view.get('[data-test="resources-chart"]').attributes('data-points')).toBe('4')
  })

  it('says why a run has no samples', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, answer('success', 0))))
    const view = await mountChart({ status: 'success' })
    expect(view.find('[data-test="resources-chart"]').exists()).toBe(false)
    expect(view.get('[data-test="resources-empty"]').text()).toContain('ended before the first one')
  })

  it('takes its colours from the dark theme when the page is dark', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, answer('success', 3))))
    const light = await mountChart({ status: 'success' })
    const dark = await mountChart({ status: 'success' }, darkTheme)
    await nextTick()
    const optionOf = (view: typeof light) => view.findComponent(BaseChart).props('option') as { yAxis: { axisLabel: { color: string } }[] }
    const lightText = optionOf(light).yAxis[0].axisLabel.color
    const darkText = optionOf(dark).yAxis[0].axisLabel.color
    expect(lightText).not.toBe(darkText)
    expect(darkText).toBe(darkTheme.common.textColor3)
  })
})
