import { afterEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { NSelect } from 'naive-ui'
import ScheduleFormNotify from '@/components/ScheduleFormNotify.vue'
import type { Subscription } from '@/utils/notifications'
import { jsonResponse } from './support/fetch'

enableAutoUnmount(afterEach)
afterEach(() => vi.unstubAllGlobals())

const channel = (id: string, name: string, extra = {}) => ({
  id,
  name,
  url: 'json://127.0.0.1/…',
  default: false,
  on: ['failed', 'timeout'],
  schedules: 0,
  created_at: '2026-12-01T10:00:00Z',
  updated_at: '2026-12-01T10:00:00Z',
  ...extra,
})

function stubChannels(items: unknown[]) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => jsonResponse(200, { items })),
  )
}

async function mountEditor(notify: Subscription[], errors: Record<string, string> = {}) {
  const wrapper = mount(ScheduleFormNotify, {
    props: {
      modelValue: notify,
      errors,
      'onUpdate:modelValue': (value: Subscription[]) => wrapper.setProps({ modelValue: value }),
    },
    attachTo: document.body,
  })
  await flushPromises()
  return wrapper
}

const current = (wrapper: Awaited<ReturnType<typeof mountEditor>>) => wrapper.props('modelValue') as Subscription[]

describe('ScheduleFormNotify', () => {
  it('adds a channel with the default events, changes its events and removes it', async () => {
    stubChannels([channel('c1', 'ops'), channel('c2', 'mail')])
    const wrapper = await mountEditor([])
    const add = wrapper.findAllComponents(NSelect).at(-1)!
    expect(add.props('options')).toEqual([
      { value: 'c1', label: 'ops' },
      { value: 'c2', label: 'mail' },
    ])
    add.vm.$emit('update:value', 'c2')
    await flushPromises()
    expect(current(wrapper)).toEqual([{ channel: 'c2', on: ['failed', 'timeout'] }])
    expect(wrapper.find('[data-test="notify-row"]').text()).toContain('mail')
    expect(wrapper.findAllComponents(NSelect).at(-1)!.props('options')).toEqual([{ value: 'c1', label: 'ops' }])

    wrapper.find('[data-test="notify-row"]').findComponent(NSelect).vm.$emit('update:value', ['recovered'])
    await flushPromises()
    expect(current(wrapper)).toEqual([{ channel: 'c2', on: ['recovered'] }])

    await wrapper.find('[data-test="notify-remove"]').trigger('click')
    expect(current(wrapper)).toEqual([])
  })

  it('says which default channels speak for a schedule without subscriptions', async () => {
    stubChannels([channel('c1', 'everyone', { default: true, on: ['succeeded'] })])
    const wrapper = await mountEditor([])
    expect(wrapper.text()).toContain('Without subscriptions the default channels speak for it: everyone (succeeded).')
  })

  it('shows a subscription’s error at its row', async () => {
    stubChannels([])
    const wrapper = await mountEditor([{ channel: 'gone', on: [] }], { 'notify[0]': 'no channel gone' })
    expect(wrapper.find('[data-test="notify-row"]').text()).toContain('gone')
    expect(wrapper.find('[data-test="notify-error"]').text()).toBe('no channel gone')
  })
})
