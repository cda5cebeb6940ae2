import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { authGuard, installAuth, resetAuth, safeNext, useAuth } from '@/composables/useAuth'
import { configureAuth, getCsrfToken, scheduleApi } from '@/services/api'
import { jsonResponse, stubFetch } from './support/fetch.js'


const Page = { template: '<div />' }

function makeRouter() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'dashboard', component: Page },
      { path: '/login', name: 'login', component: Page },
      { path: '/schedules', name: 'schedules', component: Page },
      { path: '/schedules/:id', name: 'schedule', component: Page },
    ],
  })
  router.beforeEach(authGuard)
  installAuth(router)
  return router
}

const ADA = { username: 'ada', role: 'admin', csrf_token: 'tok-ada', auth_enabled: true }
const UNAUTHORIZED = { error: 'unauthorized', message: 'log in' }

beforeEach(resetAuth)
afterEach(() => {
  vi.unstubAllGlobals()
  configureAuth()
})

describe('useAuth', () => {
  it('knows who is logged in and what the role allows', async () => {
    stubFetch(jsonResponse(200, { username: 'olga', role: 'operator', csrf_token: 'tok-o', auth_enabled: true }))
    const auth = useAuth()

    await auth.ensureLoaded()

    expect(auth.user.value).toEqual({ username: 'olga', role: 'operator' })
    expect(auth.authEnabled.value).toBe(true)
    expect([auth.can('view'), auth.can('operate'), auth.can('admin')]).toEqual([true, true, false])
    expect(getCsrfToken()).toBe('tok-o')
  })

  it('treats a 401 from /auth/me as logged out, without redirecting', async () => {
    stubFetch(jsonResponse(401, UNAUTHORIZED))
    const auth = useAuth()

    await auth.ensureLoaded()

    expect(auth.user.value).toBeNull()
    expect(auth.authEnabled.value).toBe(true)
    expect(auth.can('view')).toBe(false)
  })

  it('logs in (keeping the CSRF token) and out (forgetting it)', async () => {
    const fetch = stubFetch(jsonResponse(200, ADA), new Response(null, { status: 204 }))
    const auth = useAuth()

    await auth.login('ada', 'correct horse')
    expect(auth.user.value).toEqual({ username: 'ada', role: 'admin' })
    expect(getCsrfToken()).toBe('tok-ada')

    await auth.logout()
    expect(fetch.mock.calls[1][0]).toBe('/api/v1/auth/logout')
    expect(fetch.mock.calls[1][1].headers['X-CSRF-Token']).toBe('tok-ada')
    expect(auth.user.value).toBeNull()
    expect(getCsrfToken()).toBeNull()
  })
})

describe('the router guard', () => {
  it('sends a visitor to the login, remembering where they were going', async () => {
    stubFetch(jsonResponse(401, UNAUTHORIZED))
    const router = makeRouter()

    await router.push('/schedules/abc?tab=runs')

    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.next).toBe('/schedules/abc?tab=runs')
  })

  it('never shows the login screen in open mode', async () => {
    stubFetch(jsonResponse(200, { username: 'anonymous', role: 'admin', csrf_token: null, auth_enabled: false }))
    const router = makeRouter()

    await router.push('/login?next=/schedules')

    expect(router.currentRoute.value.fullPath).toBe('/schedules')
    expect(useAuth().can('admin')).toBe(true)
  })

  it('lets a logged-in user through', async () => {
    stubFetch(jsonResponse(200, ADA))
    const router = makeRouter()

    await router.push('/schedules')

    expect(router.currentRoute.value.name).toBe('schedules')
  })

  it('goes to the login when any later request answers 401 (the session ended)', async () => {
    stubFetch(jsonResponse(200, ADA), jsonResponse(401, UNAUTHORIZED))
    const router = makeRouter()
    await router.push('/schedules/abc')

    await scheduleApi.getSchedule('abc').catch(() => {})
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('login'))

    expect(router.currentRoute.value.query.next).toBe('/schedules/abc')
    expect(useAuth().user.value).toBeNull()
    expect(getCsrfToken()).toBeNull()
  })
})

describe('safeNext', () => {
  it('only returns to paths on this site', () => {
    expect(safeNext('/runs/4')).toBe('/runs/4')
    expect(safeNext('//evil.example/')).toBe('/')
    expect(safeNext('https://evil.example/')).toBe('/')
    expect(safeNext('/login?next=/x')).toBe('/')
    expect(safeNext(undefined)).toBe('/')
  })
})
