import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { NDialogProvider, NMessageProvider, NNotificationProvider } from 'naive-ui'
import ScheduleDetail from '@/views/ScheduleDetail.vue'
import { resetAuth, setSession } from '@/composables/useAuth'
import type { Role } from '@/services/types'
import { jsonResponse } from './support/fetch'
import { scheduleStats } from './support/stats'

enableAutoUnmount(afterEach)
afterEach(() => {
  resetAuth()
  document.body.innerHTML = ''
})

const base = {
  description: '',
  enabled: true,
  workflow_type: 'main',
  parameters: {},
  cron_schedule: '0 2 * * *',
  cron_description: 'At 02:00',
  timezone: 'UTC',
  concurrency_policy: 'forbid',
  catch_up: 'once',
  last_status: null,
  last_run: null,
  next_run: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}
const SCHEDULES: Record<string, object> = {
  s1: { ...base, id: 's1', name: 'Extract', group: 'ETL', tags: ['nightly', 'team:data'] },
  s9: { ...base, id: 's9', name: 'Extract (copy)', enabled: false, group: 'ETL', tags: ['nightly', 'team:data'] },
}

function stubApi() {
  const posts: string[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const path = new URL(url, 'http://page').pathname.replace('/api/v1', '')
      if (init.method === 'POST') posts.push(path)
      if (path === '/schedules/s1/clone') return jsonResponse(201, SCHEDULES.s9)
      const one = /^\/schedules\/(s\d)$/.exec(path)
      if (one) return jsonResponse(200, SCHEDULES[one[1]])
      if (path === '/schedules/status') return jsonResponse(200, { running: true, paused: false, next_runs: [] })
      if (path.endsWith('/stats')) return jsonResponse(200, scheduleStats('7d'))
      return jsonResponse(200, { items: [], total: 0, page: 1, page_size: 20 })
    }),
  )
  return posts
}

async function mountDetail(role: Role) {
  setSession({ username: `a-${role}`, role, csrf_token: 't', auth_enabled: true })
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/schedules/:id', component: ScheduleDetail, props: true },
      { path: '/:rest(.*)', component: { render: () => null } },
    ],
  })
  await router.push('/schedules/s1')
  const Host = defineComponent({
    setup: () => () =>
      h(NNotificationProvider, null, () => h(NMessageProvider, null, () => h(NDialogProvider, null, () => h(RouterView)))),
  })
  const wrapper = mount(Host, { global: { plugins: [router] }, attachTo: document.body })
  await flushPromises()
  await flushPromises()
  return { wrapper, router }
}

describe('ScheduleDetail group, tags and clone', () => {
  it('shows the group and tags, and clones into the copy\'s own page', async () => {
    const posts = stubApi()
    const { wrapper, router } = await mountDetail('admin')
    expect(wrapper.get('[data-test="schedule-group"]').text()).toBe('ETL')
    expect(wrapper.findAll('[data-test="schedule-tag"]').map((t) => t.text())).toEqual(['nightly', 'team:data'])

    await wrapper.get('[data-test="clone"]').trigger('click')
    await flushPromises()
    await flushPromises()
    expect(posts).toEqual(['/schedules/s1/clone'])
    expect(router.currentRoute.value.path).toBe('/schedules/s9')
    expect(document.body.textContent).toContain('Cloned as “Extract (copy)”: it is disabled until you switch it on')
    await flushPromises()
    expect(wrapper.get('[data-test="schedule-title"]').text()).toBe('Extract (copy)')
  })

  it('offers no clone to an operator or a viewer', async () => {
    for (const role of ['operator', 'viewer'] as const) {
      stubApi()
      const { wrapper } = await mountDetail(role)
      expect(wrapper.get('[data-test="schedule-title"]').text()).toBe('Extract')
      expect(wrapper.find('[data-test="clone"]').exists()).toBe(false)
      wrapper.unmount()
    }
  })
})
