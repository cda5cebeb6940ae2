import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import LoginView from '@/views/LoginView.vue'
import { resetAuth, useAuth } from '@/composables/useAuth'
import { getCsrfToken } from '@/services/api'
import { jsonResponse } from './support/fetch.js'

async function mountAt(path) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { template: '<div />' } },
      { path: '/login', name: 'login', component: LoginView },
      { path: '/runs/:id', component: { template: '<div />' } },
    ],
  })
  await router.push(path)
  const view = mount(LoginView, { global: { plugins: [router] }, attachTo: document.body })
  return { view, router }
}

async function fillAndSubmit(view, username, password) {
  await view.get('[data-test="login-username"]').setValue(username)
  await view.get('[data-test="login-password"]').setValue(password)
  await view.get('form').trigger('submit')
  await flushPromises()
}

enableAutoUnmount(afterEach)
beforeEach(resetAuth)
afterEach(() => vi.unstubAllGlobals())

describe('LoginView', () => {
  it('says so when the username or password is wrong, and clears the password', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse(401, { error: 'unauthorized', message: 'wrong username or password' })))
    const { view, router } = await mountAt('/login?next=/runs/7')

    await fillAndSubmit(view, 'ada', 'not-it')

    expect(view.get('[data-test="login-error"]').text()).toBe('Wrong username or password.')
    expect(view.get('[data-test="login-password"]').element.value).toBe('')
    expect(router.currentRoute.value.path).toBe('/login')
    expect(useAuth().user.value).toBeNull()
  })

  it('shows how long to wait after too many failed logins', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn().mockResolvedValue(
        jsonResponse(429, { error: 'too_many_requests', message: 'too many failed logins; try again in 4 second(s)' }),
      ),
    )
    const { view } = await mountAt('/login')

    await fillAndSubmit(view, 'ada', 'guess')

    expect(view.get('[data-test="login-error"]').text()).toContain('try again in 4 second(s)')
  })

  it('logs in and goes where the user was going', async () => {
    const fetch = vi.fn().mockResolvedValue(jsonResponse(200, { username: 'ada', role: 'admin', csrf_token: 'tok', auth_enabled: true }))
    vi.stubGlobal('fetch', fetch)
    const { view, router } = await mountAt('/login?next=/runs/7')

    await fillAndSubmit(view, ' ada ', 'correct horse')

    expect(JSON.parse(fetch.mock.calls[0][1].body)).toEqual({ username: 'ada', password: 'correct horse' })
    expect(router.currentRoute.value.path).toBe('/runs/7')
    expect(useAuth().user.value).toEqual({ username: 'ada', role: 'admin' })
    expect(getCsrfToken()).toBe('tok')
    expect(view.find('[data-test="login-error"]').exists()).toBe(false)
  })

  it('goes to the dashboard rather than to another site', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse(200, { username: 'ada', role: 'admin', csrf_token: 't' })))
    const { view, router } = await mountAt('/login?next=//evil.example/')

    await fillAndSubmit(view, 'ada', 'correct horse')

    expect(router.currentRoute.value.fullPath).toBe('/')
  })
})
