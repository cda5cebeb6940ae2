import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { defineComponent, h } from 'vue'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import ReportsView from '@/views/ReportsView.vue'
import { jsonResponse } from './support/fetch'
import { report } from './support/stats'

enableAutoUnmount(afterEach)
afterEach(() => vi.unstubAllGlobals())

async function mountAt(path: string, answer: (query: URLSearchParams) => Response) {
  const fetch = vi.fn(async (url: string) => answer(new URL(url, 'http://page').searchParams))
  vi.stubGlobal('fetch', fetch)
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/reports', component: ReportsView },
      { path: '/:rest(.*)', component: { render: () => null } },
    ],
  })
  await router.push(path)
  const view = mount(defineComponent({ setup: () => () => h(RouterView) }), { global: { plugins: [router] } })
  await flushPromises()
  return { view, fetch, router }
}

describe('ReportsView', () => {
  it('shows the week against the one before, with changes in words, and links its files', async () => {
    const { view, fetch } = await mountAt('/reports', () => jsonResponse(200, report()))
    expect(fetch.mock.calls[0][0]).toBe('/api/v1/reports?period=week&format=json')
    expect(view.get('[data-test="report-range"]').text()).toContain('28 Nov 2026 – 4 Dec 2026, against 21 Nov 2026 – 27 Nov 2026')
    expect(view.get('[data-test="report-runs"] dd').text()).toBe('16')
    const failures = view.get('[data-test="report-failures"] [data-test="change"]')
    expect(failures.text()).toContain('▼ −1, better')
    expect(failures.attributes('data-verdict')).toBe('better')
    expect(view.get('[data-test="report-success-rate"] [data-test="change"]').text()).toContain('▲ +21.3 pts, better')
    const rows = view.findAll('[data-test="report-schedule-row"]')
    expect(rows.map((r) => r.find('td').text())).toEqual(['Nightly export', 'Cache warm-up'])
    expect(rows[1].text()).toContain('new')
    expect(view.findAll('[data-test="report-group-row"]')[1].text()).toContain('No group')
    expect(view.get('[data-test="slow-run-link"]').attributes('href')).toBe('/runs/41')
    expect(view.get('[data-test="download-csv"]').attributes('href')).toBe('/api/v1/reports?period=week&format=csv')
    expect(view.get('[data-test="download-json"]').attributes('href')).toBe('/api/v1/reports?period=week&format=json')
    expect(view.get('[data-test="download-csv"]').attributes('download')).toBeDefined()
  })

  it('asks for the period picked, and for custom dates once both are given', async () => {
    const { view, fetch, router } = await mountAt('/reports', (q) => jsonResponse(200, report(q.get('from') ?? undefined, q.get('to') ?? undefined)))
    await view.get('[data-test="report-period-month"] input').setValue(true)
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ period: 'month' })
    expect(fetch.mock.calls.at(-1)?.[0]).toBe('/api/v1/reports?period=month&format=json')
    await view.get('[data-test="report-period-custom"] input').setValue(true)
    await flushPromises()
    await view.get('[data-test="report-from"]').setValue('2026-11-01')
    await view.get('[data-test="report-to"]').setValue('2026-11-15')
    await view.get('[data-test="report-dates"]').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ from: '2026-11-01', to: '2026-11-15' })
    expect(fetch.mock.calls.at(-1)?.[0]).toBe('/api/v1/reports?from=2026-11-01&to=2026-11-15&format=json')
    expect(view.get('[data-test="download-csv"]').attributes('href')).toBe('/api/v1/reports?from=2026-11-01&to=2026-11-15&format=csv')
  })

  it("shows the server's 422 for a period it cannot answer", async () => {
    const { view } = await mountAt('/reports?from=2026-12-04&to=2026-01-01', () =>
      jsonResponse(422, { error: 'validation_error', message: 'from must not be after to', errors: [] }),
    )
    expect(view.get('[data-test="report-error"]').text()).toContain('from must not be after to')
    expect(view.find('[data-test="report-figures"]').exists()).toBe(false)
  })

  it('says so when the period had no runs', async () => {
    const empty = { ...report(), all: { ...report().all, runs: 0, failures: 0, success_rate: null }, groups: [], schedules: [], slowest_runs: [] }
    const { view } = await mountAt('/reports', () => jsonResponse(200, empty))
    expect(view.get('[data-test="report-runs"] dd').text()).toBe('0')
    expect(view.get('[data-test="report-success-rate"] dd').text()).toBe('—')
    expect(view.findAll('[data-test="report-schedule-row"]')).toHaveLength(0)
  })
})
