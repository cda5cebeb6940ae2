import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { NDialogProvider, NMessageProvider, NNotificationProvider } from 'naive-ui'
import ScheduleManager from '@/views/ScheduleManager.vue'
import ScheduleManagerFilters from '@/components/ScheduleManagerFilters.vue'
import { resetAuth, setSession } from '@/composables/useAuth'
import { jsonResponse } from './support/fetch'

enableAutoUnmount(afterEach)

const schedule = {
  id: 's1',
  name: 'Nightly',
  description: '',
  enabled: false,
  workflow_type: 'main',
  parameters: {},
  cron_schedule: '0 2 * * *',
  cron_description: 'At 02:00',
  timezone: 'UTC',
  last_status: 'failed',
  last_run: null,
  next_run: null,
  execution_history: [],
}

/** Answers each API path; records the schedule-list queries asked for. */
function stubApi(importAnswer = jsonResponse(200, { created: 1, updated: 0, total: 1 })) {
  const listQueries: Record<string, string>[] = []
  const fetch = vi.fn(async (url: string) => {
    const { pathname, searchParams } = new URL(url, 'http://page')
    if (pathname === '/api/v1/schedules/import') return importAnswer
    if (pathname === '/api/v1/schedules') {
      listQueries.push(Object.fromEntries(searchParams))
      return jsonResponse(200, { items: [schedule], total: 1, page: 1, page_size: 50 })
    }
    if (pathname === '/api/v1/schedules/status') return jsonResponse(200, { running: true, paused: false, next_runs: [] })
    if (pathname === '/api/v1/workflows') return jsonResponse(200, { items: [{ name: 'main', description: '', parameters: [] }] })
    return jsonResponse(200, { items: [] })
  })
  vi.stubGlobal('fetch', fetch)
  return listQueries
}

async function mountAt(url: string) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/schedules', component: ScheduleManager }] })
  await router.push(url)
  const Host = defineComponent({
    setup: () => () =>
      h(NNotificationProvider, null, () => h(NMessageProvider, null, () => h(NDialogProvider, null, () => h(RouterView)))),
  })
  const wrapper = mount(Host, { global: { plugins: [router] } })
  await flushPromises()
  await new Promise((r) => setTimeout(r, 0))
  await flushPromises()
  return { wrapper, router }
}

describe('ScheduleManager filters in the URL', () => {
  it('restores the filters from the query string on load', async () => {
    const queries = stubApi()
    const { wrapper } = await mountAt('/schedules?q=nightly&workflow=main&state=disabled&last_status=failed')

    expect(queries.at(-1)).toMatchObject({ q: 'nightly', workflow_type: 'main', enabled: 'false', last_status: 'failed' })
    const filters = wrapper.findComponent(ScheduleManagerFilters)
    expect(filters.props('search')).toBe('nightly')
    expect(filters.props('lastStatus')).toBe('failed')
    expect(filters.props('enabled')).toBe(false)
  })

  it('writes changed filters into the query string and follows back and forward', async () => {
    const queries = stubApi()
    const { wrapper, router } = await mountAt('/schedules?last_status=failed')

    wrapper.findComponent(ScheduleManagerFilters).vm.$emit('update:lastStatus', 'success')
    wrapper.findComponent(ScheduleManagerFilters).vm.$emit('update:workflowType', 'main')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ last_status: 'success', workflow: 'main' })
    expect(queries.at(-1)).toMatchObject({ last_status: 'success', workflow_type: 'main' })

    router.back()
    await new Promise((r) => setTimeout(r, 10))
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ last_status: 'failed' })
    expect(wrapper.findComponent(ScheduleManagerFilters).props('lastStatus')).toBe('failed')
    expect(queries.at(-1)).toEqual(expect.objectContaining({ last_status: 'failed' }))
    expect(queries.at(-1)).not.toHaveProperty('workflow_type')
  })

  it('searches the cron text too, and says so', async () => {
    stubApi()
    const { wrapper } = await mountAt('/schedules')
    expect(wrapper.get('[data-test="search"]').attributes('placeholder')).toContain('cron')
  })
})

describe('ScheduleManager import', () => {
  afterEach(() => resetAuth())

  const refused = {
    error: 'validation_error',
    message: '2 problems found',
    errors: [
      { field: 'schedules.1.timezone', message: 'unknown time zone: Mars/Olympus' },
      { field: 'schedules.0.cron_schedule', message: 'minute 61 is out of range 0-59' },
    ],
  }
  const file = {
    version: 1,
    schedules: [
      { name: 'Hourly', cron_schedule: '61 * * * *' },
      { name: 'Nightly export', timezone: 'Mars/Olympus' },
    ],
  }

  async function importFile(wrapper: ReturnType<typeof mount>, name: string, content: unknown) {
    const input = wrapper.get<HTMLInputElement>('[data-test="import-file"]')
    const chosen = new File([JSON.stringify(content)], name, { type: 'application/json' })
    Object.defineProperty(input.element, 'files', { value: [chosen], configurable: true })
    await input.trigger('change')
    await new Promise((r) => setTimeout(r, 0))
    await flushPromises()
  }

  it('lists a refused file\'s problems in a panel on the page, until dismissed', async () => {
    setSession({ username: 'ada', role: 'admin', csrf_token: 't', auth_enabled: true })
    stubApi(jsonResponse(422, refused))
    const { wrapper } = await mountAt('/schedules')

    await importFile(wrapper, 'schedules.json', file)

    const panel = wrapper.get('.schedule-manager [data-test="import-failed"]')
    expect(panel.text()).toContain('Could not import schedules.json')
    expect(panel.findAll('[data-test="import-problem"]').map((li) => li.text())).toEqual([
      'Schedule 1 “Hourly” (index 0), cron expression: minute 61 is out of range 0-59',
      'Schedule 2 “Nightly export” (index 1), time zone: unknown time zone: Mars/Olympus',
    ])
    expect(document.querySelector('.n-notification')).toBeNull()

    await panel.get('.n-alert__close').trigger('click')
    await new Promise((r) => setTimeout(r, 400))
    await flushPromises()
    expect(wrapper.find('[data-test="import-failed"]').exists()).toBe(false)
  })

  it('drops the panel once a later file is imported', async () => {
    setSession({ username: 'ada', role: 'admin', csrf_token: 't', auth_enabled: true })
    stubApi(jsonResponse(422, refused))
    const { wrapper } = await mountAt('/schedules')
    await importFile(wrapper, 'schedules.json', file)
    expect(wrapper.find('[data-test="import-failed"]').exists()).toBe(true)

    stubApi()
    await importFile(wrapper, 'fixed.json', file)
    expect(wrapper.find('[data-test="import-failed"]').exists()).toBe(false)
  })
})
