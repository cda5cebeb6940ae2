import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { NSelect } from 'naive-ui'
import RunList from '@/views/RunList.vue'
import { jsonResponse } from './support/fetch'

enableAutoUnmount(afterEach)

const run = {
  id: 12,
  schedule_id: 's1',
  schedule_name: 'Nightly',
  timezone: 'UTC',
  trigger: 'manual',
  status: 'failed',
  attempt: 1,
  scheduled_for: '2026-11-27T07:00:00Z',
  queued_at: '2026-11-27T07:00:00Z',
  started_at: '2026-11-27T07:00:01Z',
  finished_at: '2026-11-27T07:00:02Z',
  duration_seconds: 1,
  exit_code: 1,
  cpu_seconds: 0.2,
  peak_memory_bytes: 10_485_760,
}

function stubApi() {
  const queries: Record<string, string>[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const { pathname, searchParams } = new URL(url, 'http://page')
      if (pathname === '/api/v1/runs') queries.push(Object.fromEntries(searchParams))
      return jsonResponse(200, { items: [run], total: 1, page: 1, page_size: 25 })
    }),
  )
  return queries
}

async function mountAt(url: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/runs', component: RunList },
      { path: '/runs/:id', component: { template: '<div />' } },
    ],
  })
  await router.push(url)
  const view = mount(RunList, { global: { plugins: [router] } })
  await flushPromises()
  return { view, router }
}

const select = (view: ReturnType<typeof mount>, test: string) =>
  view.findAllComponents(NSelect).find((s) => s.attributes('data-test') === test)!

describe('RunList', () => {
  it('lists runs across schedules with the schedule named, filtered as the URL says', async () => {
    const queries = stubApi()
    const { view } = await mountAt('/runs?status=failed&trigger=manual')

    expect(queries.at(-1)).toEqual({ status: 'failed', trigger: 'manual', page: '1', page_size: '25' })
    expect(select(view, 'runs-filter-status').props('value')).toBe('failed')
    expect(view.get('[data-test="run-row"]').text()).toContain('Nightly')
    expect(view.get('[data-test="run-row"]').text()).toContain('10 MiB')
  })

  it('keeps the filters in the URL and follows back', async () => {
    const queries = stubApi()
    const { view, router } = await mountAt('/runs')

    select(view, 'runs-filter-trigger').vm.$emit('update:value', 'retry')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ trigger: 'retry' })
    expect(queries.at(-1)).toMatchObject({ trigger: 'retry' })

    router.back()
    await new Promise((r) => setTimeout(r, 10))
    await flushPromises()
    expect(select(view, 'runs-filter-trigger').props('value')).toBe(null)
    expect(queries.at(-1)).not.toHaveProperty('trigger')
  })

  it('opens a run from its row', async () => {
    stubApi()
    const { view, router } = await mountAt('/runs')
    await view.get('[data-test="run-row"] td:nth-child(3)').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/runs/12')
  })
})
