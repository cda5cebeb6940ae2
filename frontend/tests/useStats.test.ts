import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { flushPromises } from '@vue/test-utils'
import { useScheduleStats, type StatsWindow } from '@/composables/useScheduleStats'
import { useReport, type ReportPeriod } from '@/composables/useReport'
import { useStats } from '@/composables/useStats'
import { jsonResponse } from './support/fetch'
import { dayStats, report, scheduleStats } from './support/stats'

afterEach(() => vi.unstubAllGlobals())

describe('statistics composables', () => {
  it('keeps the answer of the window asked last, however late an earlier one comes', async () => {
    const pending: Record<string, (r: Response) => void> = {}
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string) => new Promise<Response>((resolve) => (pending[new URL(url, 'http://p').searchParams.get('window')!] = resolve))),
    )
    const window = ref<StatsWindow>('7d')
    const scope = effectScope()
    const { stats } = scope.run(() => useScheduleStats('s1', window))!
    window.value = '30d'
    await nextTick()
    pending['30d'](jsonResponse(200, scheduleStats('30d', { success: 3 })))
    await flushPromises()
    pending['7d'](jsonResponse(200, scheduleStats('7d', { success: 1 })))
    await flushPromises()
    expect(stats.value?.window).toBe('30d')
    scope.stop()
  })

  it('reads the whole and keeps an error beside what it showed', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, dayStats({ success: 2 })))
    vi.stubGlobal('fetch', fetch)
    const scope = effectScope()
    const { stats, error, load } = scope.run(() => useStats('24h'))!
    await flushPromises()
    expect(stats.value?.all.runs).toBe(2)
    fetch.mockImplementation(async () => jsonResponse(500, { error: 'internal', message: 'boom' }))
    await load()
    expect(error.value?.message).toBe('boom')
    expect(stats.value?.all.runs).toBe(2)
    scope.stop()
  })

  it("gives the report's file addresses for the same period", async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, report())))
    const period = ref<ReportPeriod>({ period: 'day' })
    const scope = effectScope()
    const { report: answer, csvUrl, jsonUrl } = scope.run(() => useReport(period))!
    await flushPromises()
    expect(answer.value?.from).toBe('2026-11-28')
    expect(csvUrl.value).toBe('/api/v1/reports?period=day&format=csv')
    period.value = { from: '2026-11-01', to: '2026-11-02' }
    expect(jsonUrl.value).toBe('/api/v1/reports?from=2026-11-01&to=2026-11-02&format=json')
    scope.stop()
  })
})
