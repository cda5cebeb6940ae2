import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { NDialogProvider, NMessageProvider, NNotificationProvider, NSelect } from 'naive-ui'
import ScheduleManager from '@/views/ScheduleManager.vue'
import ScheduleManagerFilters from '@/components/ScheduleManagerFilters.vue'
import ScheduleManagerTable from '@/components/ScheduleManagerTable.vue'
import { resetAuth, setSession } from '@/composables/useAuth'
import { resetLabels } from '@/composables/useScheduleLabels'
import type { Role } from '@/services/types'
import { jsonResponse } from './support/fetch'

enableAutoUnmount(afterEach)

function schedule(id: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name,
    description: '',
    enabled: true,
    workflow_type: 'main',
    parameters: {},
    cron_schedule: '0 2 * * *',
    cron_description: 'At 02:00',
    timezone: 'UTC',
    last_status: null,
    last_run: null,
    next_run: '2030-01-01T02:00:00Z',
    execution_history: [],
    group: null,
    tags: [],
    ...extra,
  }
}

const PAGE = [
  schedule('s1', 'Extract', { group: 'ETL', tags: ['nightly'] }),
  schedule('s2', 'Load', { group: 'ETL', tags: ['nightly', 'team:data'] }),
  schedule('s3', 'Report', { group: 'Reports' }),
]

interface Call {
  method: string
  path: string
  params: URLSearchParams
  body: unknown
}

/** Answers each API path; records every request. `answers` overrides a `METHOD path`. */
function stubApi(answers: Record<string, () => Response> = {}, total = 120) {
  const calls: Call[] = []
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    const { pathname, searchParams } = new URL(url, 'http://page')
    const method = init.method || 'GET'
    const path = pathname.replace('/api/v1', '')
    calls.push({ method, path, params: searchParams, body: init.body ? JSON.parse(String(init.body)) : undefined })
    const own = answers[`${method} ${path}`]
    if (own) return own()
    if (path === '/schedules') return jsonResponse(200, { items: PAGE, total, page: 1, page_size: 50 })
    if (path === '/schedules/status') return jsonResponse(200, { running: true, paused: false, next_runs: [] })
    if (path === '/workflows') return jsonResponse(200, { items: [{ name: 'main', description: '', parameters: [] }] })
    return jsonResponse(200, { items: [] })
  })
  vi.stubGlobal('fetch', fetch)
  const lists = () => calls.filter((c) => c.method === 'GET' && c.path === '/schedules').map((c) => c.params)
  const posts = (path: string) => calls.filter((c) => c.method === 'POST' && c.path === path).map((c) => c.body)
  return { calls, lists, posts }
}

const settle = async () => {
  await flushPromises()
  await new Promise((r) => setTimeout(r, 0))
  await flushPromises()
}

async function mountAt(url: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/schedules', component: ScheduleManager },
      { path: '/schedules/:id', component: { render: () => null } },
    ],
  })
  await router.push(url)
  const Host = defineComponent({
    setup: () => () =>
      h(NNotificationProvider, null, () => h(NMessageProvider, null, () => h(NDialogProvider, null, () => h(RouterView)))),
  })
  const wrapper = mount(Host, { global: { plugins: [router] }, attachTo: document.body })
  await settle()
  return { wrapper, router }
}

function logIn(role: Role) {
  setSession({ username: `a-${role}`, role, csrf_token: 't', auth_enabled: true })
}

const body = () => document.body.textContent || ''

beforeEach(() => logIn('admin'))
afterEach(() => {
  resetAuth()
  resetLabels()
  document.body.innerHTML = ''
})

describe('ScheduleManager group, tags, sort and view in the URL', () => {
  it('asks for the group, every tag and the order the URL names, and shows the table', async () => {
    const api = stubApi()
    const { wrapper } = await mountAt('/schedules?group=ETL&tag=nightly&tag=team:data&sort=-next_run&view=table')

    const asked = api.lists().at(-1)!
    expect(asked.get('group')).toBe('ETL')
    expect(asked.getAll('tag')).toEqual(['nightly', 'team:data'])
    expect(asked.get('sort')).toBe('-next_run')
    expect(wrapper.find('[data-test="schedule-table"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="schedule-list"]').exists()).toBe(false)
    expect(wrapper.findAll('[data-test="schedule-row"]')).toHaveLength(3)
    const filters = wrapper.findComponent(ScheduleManagerFilters)
    expect(filters.props('group')).toBe('ETL')
    expect(filters.props('tags')).toEqual(['nightly', 'team:data'])
    expect(wrapper.get('[data-test="sort"] [role="combobox"]').attributes('aria-label')).toBe('Sort: Next run, latest first')
  })

  it('writes a changed tag list as the key repeated, and follows back', async () => {
    const api = stubApi()
    const { wrapper, router } = await mountAt('/schedules?tag=nightly&page=2')
    const filters = wrapper.findComponent(ScheduleManagerFilters)

    filters.vm.$emit('update:tags', ['nightly', 'team:data'])
    await settle()
    expect(router.currentRoute.value.query).toEqual({ tag: ['nightly', 'team:data'] })
    expect(api.lists().at(-1)!.getAll('tag')).toEqual(['nightly', 'team:data'])
    expect(api.lists().at(-1)!.get('page')).toBe('1')

    filters.vm.$emit('update:tags', ['team:data', 'v2'])
    await settle()
    expect(router.currentRoute.value.query).toEqual({ tag: ['team:data', 'v2'] })

    router.back()
    await new Promise((r) => setTimeout(r, 10))
    await settle()
    expect(router.currentRoute.value.query).toEqual({ tag: ['nightly', 'team:data'] })
    expect(wrapper.findComponent(ScheduleManagerFilters).props('tags')).toEqual(['nightly', 'team:data'])
    expect(api.lists().at(-1)!.getAll('tag')).toEqual(['nightly', 'team:data'])
  })

  it('keeps the view, the sort and the page size in the URL', async () => {
    const api = stubApi()
    const { wrapper, router } = await mountAt('/schedules')
    expect(wrapper.find('[data-test="schedule-list"]').exists()).toBe(true)

    await wrapper.get('[data-test="view-table"] input').setValue(true)
    await settle()
    expect(router.currentRoute.value.query).toEqual({ view: 'table' })

    const table = wrapper.findComponent(ScheduleManagerTable)
    table.vm.$emit('update:sort', '-last_run')
    table.vm.$emit('update:pageSize', 100)
    await settle()
    expect(router.currentRoute.value.query).toEqual({ view: 'table', sort: '-last_run', page_size: '100' })
    const asked = api.lists().at(-1)!
    expect([asked.get('sort'), asked.get('page_size')]).toEqual(['-last_run', '100'])
  })

  it('sorts by a column header through the API, not in the page', async () => {
    const api = stubApi()
    const { wrapper, router } = await mountAt('/schedules?view=table')
    await wrapper.get('th[data-col-key="next_run"]').trigger('click')
    await settle()
    expect(router.currentRoute.value.query.sort).toBe('next_run')
    expect(api.lists().at(-1)!.get('sort')).toBe('next_run')
    await wrapper.get('th[data-col-key="next_run"]').trigger('click')
    await settle()
    expect(router.currentRoute.value.query.sort).toBe('-next_run')
  })

  it('offers the groups and tags of the page as filter choices', async () => {
    stubApi()
    const { wrapper } = await mountAt('/schedules')
    const filters = wrapper.findComponent(ScheduleManagerFilters)
    expect(filters.props('knownGroups')).toEqual(['ETL', 'Reports'])
    expect(filters.props('knownTags')).toEqual(['nightly', 'team:data'])
  })

  it('gives every select of the filters and the sort a name, as a combobox', async () => {
    stubApi()
    const { wrapper } = await mountAt('/schedules?group=ETL')
    const names = wrapper.findAll('[role="combobox"][aria-haspopup="listbox"]').map((el) => el.attributes('aria-label'))
    expect(names).toEqual(['Workflow: any', 'Enabled: either', 'Last status: any', 'Group: ETL', 'Tags: any', 'Sort: Name, A to Z'])
  })

  it('sorts the cards with the sort select', async () => {
    const api = stubApi()
    const { wrapper, router } = await mountAt('/schedules?page=2')
    wrapper.findAllComponents(NSelect).find((s) => s.attributes('data-test') === 'sort')!.vm.$emit('update:value', '-last_run')
    await settle()
    expect(router.currentRoute.value.query).toEqual({ sort: '-last_run' })
    expect(api.lists().at(-1)!.get('sort')).toBe('-last_run')
  })
})

describe('ScheduleManager table: picking rows and bulk actions', () => {
  it('names each checkbox and switch by its schedule', async () => {
    stubApi()
    const { wrapper } = await mountAt('/schedules?view=table')
    const boxes = wrapper.findAll('[data-test="row-select"]').map((b) => b.attributes('aria-label'))
    expect(boxes).toEqual(['Select “Extract”', 'Select “Load”', 'Select “Report”'])
    const switches = wrapper.findAll('[data-test="schedule-row"] [role="switch"]').map((s) => s.attributes('aria-label'))
    expect(switches).toEqual(['“Extract” enabled', '“Load” enabled', '“Report” enabled'])
    expect(wrapper.get('[data-test="select-page"]').attributes('aria-label')).toBe('Select every schedule on this page')
  })

  it('disables the picked schedules by id, says how it went and loads the page again', async () => {
    const api = stubApi({
      'POST /schedules/bulk': () =>
        jsonResponse(200, {
          results: [
            { id: 's1', ok: true, error: null },
            { id: 's3', ok: false, error: 'schedule is locked' },
          ],
        }),
    })
    const { wrapper } = await mountAt('/schedules?view=table')
    expect(wrapper.find('[data-test="bulk-bar"]').exists()).toBe(false)

    const boxes = wrapper.findAll('[data-test="row-select"]')
    await boxes[0].trigger('click')
    await boxes[2].trigger('click')
    expect(wrapper.get('[data-test="bulk-count"]').text()).toBe('2 schedules selected')
    const loadsBefore = api.lists().length

    await wrapper.get('[data-test="bulk-disable"]').trigger('click')
    await settle()

    expect(api.posts('/schedules/bulk')).toEqual([{ action: 'disable', ids: ['s1', 's3'] }])
    expect(body()).toContain('1 schedule disabled')
    expect(document.querySelector('[data-test="bulk-failures"]')?.textContent).toBe('Report: schedule is locked')
    expect(body()).toContain('1 of 2 schedules not disabled')
    expect(api.lists().length).toBeGreaterThan(loadsBefore)
    expect(wrapper.find('[data-test="bulk-bar"]').exists()).toBe(false)
  })

  it('acts on all matching the filters with the filter itself, and asks first', async () => {
    const api = stubApi({ 'POST /schedules/bulk': () => jsonResponse(200, { results: [{ id: 's1', ok: true, error: null }] }) })
    const { wrapper } = await mountAt('/schedules?view=table&group=ETL&tag=nightly&state=enabled&sort=-group')

    await wrapper.get('[data-test="select-page"]').trigger('click')
    expect(wrapper.get('[data-test="bulk-count"]').text()).toBe('3 schedules selected')
    await wrapper.get('[data-test="bulk-select-all"]').trigger('click')
    expect(wrapper.get('[data-test="bulk-count"]').text()).toBe('all 120 schedules matching the filters selected')

    await wrapper.get('[data-test="bulk-set_group"]').trigger('click')
    await settle()
    const input = document.querySelector<HTMLInputElement>('[data-test="bulk-value"]')!
    input.value = ' Warehouse '
    input.dispatchEvent(new Event('input'))
    await settle()
    document.querySelector<HTMLButtonElement>('[data-test="bulk-confirm"]')!.click()
    await settle()

    expect(api.posts('/schedules/bulk')).toEqual([
      { action: 'set_group', filter: { group: 'ETL', tag: ['nightly'], enabled: true }, value: 'Warehouse' },
    ])
  })

  it('says when more match than one bulk action takes, instead of offering them all', async () => {
    stubApi({}, 10_000)
    const { wrapper } = await mountAt('/schedules?view=table')
    await wrapper.get('[data-test="select-page"]').trigger('click')
    expect(wrapper.find('[data-test="bulk-select-all"]').exists()).toBe(false)
    expect(wrapper.get('[data-test="bulk-too-many"]').text()).toContain('10,000 match: narrow the filters to 1,000 or fewer')
    expect(wrapper.get('[data-test="bulk-count"]').text()).toBe('3 schedules selected')
  })

  it('sends a delete only once it is confirmed', async () => {
    const api = stubApi({ 'POST /schedules/bulk': () => jsonResponse(200, { results: [{ id: 's2', ok: true, error: null }] }) })
    const { wrapper } = await mountAt('/schedules?view=table')
    await wrapper.findAll('[data-test="row-select"]')[1].trigger('click')

    await wrapper.get('[data-test="bulk-delete"]').trigger('click')
    await settle()
    expect(api.posts('/schedules/bulk')).toEqual([])
    expect(body()).toContain('Delete 1 schedule and their run history?')
    document.querySelector<HTMLButtonElement>('[data-test="bulk-confirm"]')!.click()
    await settle()
    expect(api.posts('/schedules/bulk')).toEqual([{ action: 'delete', ids: ['s2'] }])
    expect(body()).toContain('1 schedule deleted')
  })

  it('shows the server refusing the action as a whole', async () => {
    logIn('operator')
    stubApi({
      'POST /schedules/bulk': () => jsonResponse(403, { error: 'forbidden', message: 'run needs the operator role' }),
      'GET /auth/me': () => jsonResponse(200, { username: 'a-viewer', role: 'viewer', csrf_token: 't', auth_enabled: true }),
    })
    const { wrapper } = await mountAt('/schedules?view=table')
    await wrapper.findAll('[data-test="row-select"]')[0].trigger('click')
    await wrapper.get('[data-test="bulk-run"]').trigger('click')
    await settle()
    expect(body()).toContain('Not allowed: run needs the operator role.')
  })

  it('offers each role the bulk actions it may do, and a viewer no checkboxes', async () => {
    logIn('operator')
    stubApi()
    const { wrapper } = await mountAt('/schedules?view=table')
    await wrapper.findAll('[data-test="row-select"]')[0].trigger('click')
    const offered = wrapper.findAll('[data-test^="bulk-"]').map((b) => b.attributes('data-test'))
    expect(offered.filter((t) => /^bulk-(enable|disable|run|set_group|add_tag|remove_tag|delete)$/.test(t!))).toEqual([
      'bulk-enable',
      'bulk-disable',
      'bulk-run',
    ])

    logIn('viewer')
    await settle()
    expect(wrapper.find('[data-test="row-select"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="bulk-bar"]').exists()).toBe(false)
  })
})

describe('ScheduleManager clone', () => {
  it('clones from a card, opens the copy in the editor and says it is disabled', async () => {
    const copy = schedule('s9', 'Extract (copy)', { enabled: false, group: 'ETL', tags: ['nightly'] })
    const api = stubApi({ 'POST /schedules/s1/clone': () => jsonResponse(201, copy) })
    const { wrapper } = await mountAt('/schedules')

    await wrapper.get('[data-schedule-id="s1"] [data-test="clone"]').trigger('click')
    await settle()

    expect(api.posts('/schedules/s1/clone')).toHaveLength(1)
    expect(body()).toContain('Cloned as “Extract (copy)”: it is disabled until you switch it on')
    expect(document.querySelector('[data-test="schedule-editor"]')?.textContent).toContain('Edit “Extract (copy)”')
  })

  it('clones from a table row menu too, the menu offering what the role may do', async () => {
    const copy = schedule('s9', 'Load (copy)', { enabled: false })
    const api = stubApi({ 'POST /schedules/s2/clone': () => jsonResponse(201, copy) })
    const { wrapper } = await mountAt('/schedules?view=table')
    const menu = wrapper.get('[data-schedule-id="s2"] [data-test="row-menu"]')
    expect(menu.attributes('aria-label')).toBe('More actions for “Load”')
    await menu.trigger('click')
    await settle()
    const options = () => [...document.querySelectorAll('.n-dropdown-option')].map((o) => o.textContent?.trim())
    expect(options()).toEqual(['Run with parameters…', 'Edit', 'Clone', 'History', 'Delete…'])
    ;[...document.querySelectorAll<HTMLElement>('.n-dropdown-option-body')].find((o) => o.textContent?.trim() === 'Clone')!.click()
    await settle()
    expect(api.posts('/schedules/s2/clone')).toHaveLength(1)
    expect(document.querySelector('[data-test="schedule-editor"]')?.textContent).toContain('Edit “Load (copy)”')
  })

  it('offers an operator only running and the history in the row menu, and runs a row now', async () => {
    logIn('operator')
    const api = stubApi({ 'POST /schedules/s1/run': () => jsonResponse(202, { id: 41, status: 'queued' }) })
    const { wrapper } = await mountAt('/schedules?view=table')
    await wrapper.get('[data-schedule-id="s1"] [data-test="run-now"]').trigger('click')
    await settle()
    expect(api.posts('/schedules/s1/run')).toHaveLength(1)
    expect(body()).toContain('Run #41 of “Extract” queued')
    await wrapper.get('[data-schedule-id="s1"] [data-test="row-menu"]').trigger('click')
    await settle()
    expect([...document.querySelectorAll('.n-dropdown-option')].map((o) => o.textContent?.trim())).toEqual([
      'Run with parameters…',
      'History',
    ])
  })
})
