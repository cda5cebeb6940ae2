import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { NInputNumber } from 'naive-ui'
import ScheduleRunDialog from '@/components/ScheduleRunDialog.vue'
import ScheduleFormParameters from '@/components/ScheduleFormParameters.vue'
import { resetRegistry } from '@/composables/useRegistry'
import { jsonResponse } from './support/fetch'

enableAutoUnmount(afterEach)

const WORKFLOWS = [
  {
    name: 'main',
    description: 'Full',
    parameters: [
      { name: 'number', flag: '-n', type: 'integer', default: 10, required: false, choices: null, description: 'How many' },
      { name: 'regions', flag: '-r', type: 'list', default: null, required: false, choices: null, description: 'Regions' },
    ],
  },
]
const schedule = { id: 's1', name: 'Nightly', workflow_type: 'main', parameters: { number: 3, regions: ['germany'] } }

function stubApi() {
  const posts: { url: string; body: unknown }[] = []
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    if (url.startsWith('/api/v1/workflows')) return jsonResponse(200, { items: WORKFLOWS })
    if (url.startsWith('/api/v1/templates')) return jsonResponse(200, { items: [] })
    if (init?.method === 'POST') {
      posts.push({ url, body: JSON.parse(String(init.body)) })
      return jsonResponse(202, { id: 99, parameter_overrides: { number: 50 } })
    }
    return jsonResponse(404, {})
  })
  vi.stubGlobal('fetch', fetch)
  return posts
}

beforeEach(resetRegistry)

describe('ScheduleRunDialog', () => {
  it('prefills the schedule\'s parameters and sends only the ones changed, for one run', async () => {
    const posts = stubApi()
    const dialog = mount(ScheduleRunDialog, { props: { schedule }, attachTo: document.body })
    await flushPromises()

    const form = dialog.findComponent(ScheduleFormParameters)
    expect(form.props('modelValue')).toEqual({ number: 3, regions: ['germany'] })
    expect(document.body.textContent).toContain('Same parameters as the schedule')

    dialog.findComponent(NInputNumber).vm.$emit('update:value', 50)
    await flushPromises()
    expect(document.body.textContent).toContain('1 parameter changed for this run')
    ;(document.body.querySelector('[data-test="run-with-parameters-submit"]') as HTMLElement).click()
    await flushPromises()

    expect(posts).toEqual([{ url: '/api/v1/schedules/s1/run', body: { parameters: { number: 50 } } }])
    expect(dialog.emitted('started')?.[0]).toEqual([{ id: 99, parameter_overrides: { number: 50 } }])
    expect(dialog.emitted('close')).toHaveLength(1)
  })
})
