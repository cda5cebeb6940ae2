import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { NDialogProvider, NMessageProvider, NPopconfirm } from 'naive-ui'
import NotificationChannels from '@/views/NotificationChannels.vue'
import { resetAuth, setSession } from '@/composables/useAuth'
import { jsonResponse } from './support/fetch'

enableAutoUnmount(afterEach)

const CHANNEL = {
  id: 'c1',
  name: 'ops',
  url: 'json://hook:****@127.0.0.1:9000/…',
  default: false,
  on: ['failed', 'timeout'],
  schedules: 2,
  created_at: '2026-12-01T10:00:00Z',
  updated_at: '2026-12-01T10:00:00Z',
}

interface Call {
  method: string
  url: string
  body: unknown
}

/** The API as the page meets it; `answers` maps "METHOD path" to [status, body]. */
function stubApi(answers: Record<string, [number, unknown] | [number, unknown][]> = {}) {
  const calls: Call[] = []
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    const method = init?.method || 'GET'
    const path = url.replace('/api/v1', '').split('?')[0]
    calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined })
    const answer = answers[`${method} ${path}`]
    if (answer) {
      const next = Array.isArray(answer[0]) ? (answer as [number, unknown][]).shift()! : (answer as [number, unknown])
      return jsonResponse(next[0], next[1])
    }
    if (path === '/notifications/channels') return jsonResponse(200, { items: [{ ...CHANNEL }] })
    if (path === '/notifications/outbox') return jsonResponse(200, { items: [], total: 0, page: 1, page_size: 20 })
    return jsonResponse(404, { error: 'not_found', message: 'no' })
  })
  vi.stubGlobal('fetch', fetch)
  return calls
}

async function mountPage() {
  const Wrapper = defineComponent({
    render: () => h(NMessageProvider, () => h(NDialogProvider, () => h(NotificationChannels))),
  })
  const wrapper = mount(Wrapper, { attachTo: document.body })
  await flushPromises()
  return wrapper
}

beforeEach(() => setSession({ username: 'ada', role: 'admin', csrf_token: 't', auth_enabled: true }))
afterEach(() => {
  resetAuth()
  vi.unstubAllGlobals()
})

describe('NotificationChannels', () => {
  it('lists the channels with their redacted URLs', async () => {
    stubApi()
    const wrapper = await mountPage()
    const row = wrapper.find('tbody tr')
    expect(row.text()).toContain('ops')
    expect(row.find('[data-test="channel-url-shown"]').text()).toBe(CHANNEL.url)
    expect(row.text()).toContain('2 schedule(s) subscribe')
  })

  it('adds a channel and shows a URL apprise refuses at the URL field', async () => {
    const calls = stubApi({
      'POST /notifications/channels': [
        [422, { error: 'validation_error', message: 'url: bad', errors: [{ field: 'url', message: 'apprise cannot use this foo:// URL' }] }],
        [201, { ...CHANNEL, id: 'c2', name: 'mail', url: 'mailto://127.0.0.1:25/…' }],
      ],
    })
    const wrapper = await mountPage()
    await wrapper.find('[data-test="channel-name"]').setValue('mail')
    await wrapper.find('[data-test="channel-url"]').setValue('foo://x')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-test="field-channel-url"]').text()).toContain('apprise cannot use this foo:// URL')

    await wrapper.find('[data-test="channel-url"]').setValue('mailto://127.0.0.1:25?to=a@example.org')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const posts = calls.filter((c) => c.method === 'POST')
    expect(posts[1].body).toEqual({ name: 'mail', url: 'mailto://127.0.0.1:25?to=a@example.org', default: false, on: ['failed', 'timeout'] })
    const rows = wrapper.findAll('tbody tr')
    expect(rows.map((r) => r.find('strong').text())).toEqual(['mail', 'ops'])
    expect(rows[0].find('[data-test="channel-url-shown"]').text()).toBe('mailto://127.0.0.1:25/…')
    expect((wrapper.find('[data-test="channel-url"]').element as HTMLInputElement).value).toBe('')
  })

  it('edits a channel without sending its URL unless a new one is given', async () => {
    const calls = stubApi({ 'PUT /notifications/channels/c1': [200, { ...CHANNEL, name: 'oncall' }] })
    const wrapper = await mountPage()
    await wrapper.find('[data-test="edit-channel"]').trigger('click')
    await flushPromises()
    expect((wrapper.find('[data-test="channel-url"]').element as HTMLInputElement).value).toBe('')
    await wrapper.find('[data-test="channel-name"]').setValue('oncall')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const put = calls.find((c) => c.method === 'PUT')!
    expect(put.body).toEqual({ name: 'oncall', default: false, on: ['failed', 'timeout'] })
    expect(wrapper.find('tbody tr').text()).toContain('oncall')
  })

  it('says whether a test message went, and what the receiver said when not', async () => {
    stubApi({
      'POST /notifications/channels/c1/test': [
        [200, { ok: true, error: null }],
        [200, { ok: false, error: 'A Connection error occurred sending JSON notification to 127.0.0.1.' }],
      ],
    })
    const wrapper = await mountPage()
    await wrapper.find('[data-test="send-test"]').trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('Test message sent to ops')
    await wrapper.find('[data-test="send-test"]').trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('ops could not be reached: A Connection error occurred')
  })

  it('offers to detach the schedules when the channel is in use', async () => {
    const calls = stubApi({
      'DELETE /notifications/channels/c1': [
        [409, { error: 'conflict', message: 'schedules subscribe to it: "Nightly"; delete it with ?detach=true' }],
        [204, undefined],
      ],
    })
    const wrapper = await mountPage()
    wrapper.findComponent(NPopconfirm).vm.$emit('positive-click')
    await flushPromises()
    expect(document.body.textContent).toContain('schedules subscribe to it: "Nightly"')
    ;(document.querySelector('[data-test="delete-channel-anyway"]') as HTMLElement).click()
    await flushPromises()
    const deletes = calls.filter((c) => c.method === 'DELETE').map((c) => c.url)
    expect(deletes).toEqual(['/api/v1/notifications/channels/c1', '/api/v1/notifications/channels/c1?detach=true'])
    expect(wrapper.findAll('tbody tr').some((r) => r.text().includes('ops'))).toBe(false)
  })

  it('asks nothing of the server without the admin role', async () => {
    const calls = stubApi()
    setSession({ username: 'vic', role: 'viewer', csrf_token: 't', auth_enabled: true })
    const wrapper = await mountPage()
    expect(wrapper.find('[data-test="channels-forbidden"]').exists()).toBe(true)
    expect(calls).toEqual([])
  })
})
