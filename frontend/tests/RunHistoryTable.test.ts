import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import RunHistoryTable from '@/components/RunHistoryTable.vue'
import { jsonResponse, stubFetch } from './support/fetch'

enableAutoUnmount(afterEach)

const run = {
  id: 41,
  schedule_id: 's1',
  trigger: 'schedule',
  status: 'success',
  attempt: 1,
  scheduled_for: '2026-11-27T07:00:00Z',
  queued_at: '2026-11-27T07:00:00Z',
  started_at: '2026-11-27T07:00:05Z',
  finished_at: '2026-11-27T07:00:09Z',
  duration_seconds: 4.2,
  exit_code: 0,
  cpu_seconds: 1.25,
  peak_memory_bytes: 52_428_800,
}

async function mountTable(items: object[] = [run], props: Record<string, unknown> = {}) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { template: '<div />' } },
      { path: '/runs/:id', component: { template: '<div />' } },
    ],
  })
  await router.push('/')
  stubFetch(jsonResponse(200, { items, total: items.length, page: 1, page_size: 20 }))
  const table = mount(RunHistoryTable, { props: { scheduleId: 's1', timezone: 'Europe/Berlin', ...props }, global: { plugins: [router] } })
  await flushPromises()
  return { table, router }
}

describe('RunHistoryTable', () => {
  it('shows start times to the second, CPU time and peak memory in MiB', async () => {
    const { table } = await mountTable()
    const headers = table.findAll('th').map((th) => th.text())
    expect(headers).toEqual(expect.arrayContaining(['CPU', 'Memory', 'Started (Europe/Berlin)']))
    const row = table.get('[data-test="run-row"]').text()
    expect(row).toContain('08:00:05') // 07:00:05 UTC in Berlin
    expect(row).toContain('1.3 s')
    expect(row).toContain('50 MiB')
  })

  it('opens the run from anywhere on its row, by click or Enter', async () => {
    const { table, router } = await mountTable()
    await table.get('[data-test="run-row"] td:nth-child(5)').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/runs/41')
    expect(table.emitted('open')).toHaveLength(1)

    await router.push('/')
    await table.get('[data-test="run-row"]').trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/runs/41')
  })

  it('scrolls sideways rather than squeezing the columns on a phone', async () => {
    const { table } = await mountTable()
    expect(table.get('.n-scrollbar-content').attributes('style')).toContain('min-width: 840px')
  })

  it('shows the attempts of one try together, counted against the schedule’s retries', async () => {
    // Newest first from the API: 44 is a queued retry of 43, which retried 41; 42 stands alone.
    const items = [
      { ...run, id: 44, trigger: 'retry', attempt: 3, parent_run_id: 43, status: 'queued', started_at: null, not_before: '2026-11-27T07:10:00Z' },
      { ...run, id: 42, trigger: 'manual' },
      { ...run, id: 43, trigger: 'retry', attempt: 2, parent_run_id: 41, status: 'failed' },
      { ...run, status: 'failed' },
    ]
    const { table } = await mountTable(items, { maxRetries: 2 })

    const rows = table.findAll('[data-test="run-row"]')
    expect(rows.map((r) => r.attributes('data-run-id'))).toEqual(['41', '43', '44', '42'])
    expect(rows.map((r) => r.attributes('data-group'))).toEqual(['41', '41', '41', '42'])
    expect(rows.map((r) => r.classes('is-retry-row'))).toEqual([false, true, true, false])
    expect(rows[1].get('[data-test="run-attempt"]').text()).toBe('attempt 2 of 3')
    // 07:10 UTC is 08:10 in Berlin.
    expect(rows[2].get('[data-test="run-attempt"]').text()).toBe('attempt 3 of 3 · waits until 08:10:00')
    expect(rows[2].text()).toContain('Retry')
  })
})
