import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ApiError,
  auditApi,
  authApi,
  buildQuery,
  configureAuth,
  scheduleApi,
  setCsrfToken,
  userApi,
} from '@/services/api'
import { jsonResponse, stubFetch } from './support/fetch.js'


afterEach(() => {
  vi.unstubAllGlobals()
  setCsrfToken(null)
  configureAuth()
})

describe('scheduleApi', () => {
  it('turns a 422 into an ApiError carrying the field errors', async () => {
    stubFetch(
      jsonResponse(422, {
        error: 'validation_error',
        message: 'cron_schedule: invalid cron expression',
        errors: [
          { field: 'cron_schedule', message: 'invalid cron expression: Bad day-of-week' },
          { field: 'parameters.number', message: 'must be of type integer' },
        ],
      }),
    )

    const error = await scheduleApi.createSchedule({ name: 'x' }).catch((e) => e)

    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(422)
    expect(error.isValidation).toBe(true)
    expect(error.code).toBe('validation_error')
    expect(error.message).toBe('cron_schedule: invalid cron expression')
    expect(error.fieldErrors()).toEqual({
      cron_schedule: 'invalid cron expression: Bad day-of-week',
      'parameters.number': 'must be of type integer',
    })
  })

  it('sends JSON with same-origin credentials to the versioned path', async () => {
    const fetch = stubFetch(jsonResponse(201, { id: 'abc', name: 'Nightly' }))

    const created = await scheduleApi.createSchedule({ name: 'Nightly', cron_schedule: '0 2 * * *' })

    expect(created).toEqual({ id: 'abc', name: 'Nightly' })
    const [url, init] = fetch.mock.calls[0]
    expect(url).toBe('/api/v1/schedules')
    expect(init.method).toBe('POST')
    expect(init.credentials).toBe('same-origin')
    expect(init.headers['Content-Type']).toBe('application/json')
    expect(JSON.parse(init.body)).toEqual({ name: 'Nightly', cron_schedule: '0 2 * * *' })
  })

  it('leaves unset filters out of the query string', async () => {
    const fetch = stubFetch(jsonResponse(200, { items: [], total: 0, page: 1, page_size: 50 }))

    await scheduleApi.getSchedules({ q: 'night ly', enabled: false, workflow_type: null, last_status: '' })

    expect(fetch.mock.calls[0][0]).toBe('/api/v1/schedules?q=night+ly&enabled=false')
  })

  it('answers null for a 204 without reading a body', async () => {
    stubFetch(new Response(null, { status: 204 }))

    await expect(scheduleApi.deleteSchedule('a/b')).resolves.toBeNull()
    expect(fetch.mock.calls[0][0]).toBe('/api/v1/schedules/a%2Fb')
  })

  it('keeps the server message of a 409', async () => {
    stubFetch(jsonResponse(409, { error: 'conflict', message: 'run 1 already ended: success' }))

    const error = await scheduleApi.cancelRun(1).catch((e) => e)

    expect(error.status).toBe(409)
    expect(error.code).toBe('conflict')
    expect(error.message).toBe('run 1 already ended: success')
    expect(error.errors).toEqual([])
  })

  it('reports an unreachable server as status 0', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')))

    const error = await scheduleApi.getSchedulerStatus().catch((e) => e)

    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(0)
    expect(error.message).toMatch(/cannot be reached/)
  })

  it('uses a non-JSON error body as the message', async () => {
    stubFetch(new Response('Bad Gateway', { status: 502 }))

    const error = await scheduleApi.getTemplates().catch((e) => e)

    expect(error.status).toBe(502)
    expect(error.message).toBe('Bad Gateway')
  })

  it('sets or flips a schedule with toggle', async () => {
    const fetch = stubFetch(jsonResponse(200, {}), jsonResponse(200, {}))

    await scheduleApi.toggleSchedule('s1', false)
    await scheduleApi.toggleSchedule('s1')

    expect(JSON.parse(fetch.mock.calls[0][1].body)).toEqual({ enabled: false })
    expect(JSON.parse(fetch.mock.calls[1][1].body)).toEqual({})
  })

  it('asks for a log from an offset', async () => {
    const fetch = stubFetch(jsonResponse(200, { content: '', next_offset: 10, complete: false }))

    await scheduleApi.getRunLog(7, 10)

    expect(fetch.mock.calls[0][0]).toBe('/api/v1/runs/7/log?offset=10')
  })
})

describe('the session: CSRF header, 401 and 403', () => {
  const header = (fetch, call) => fetch.mock.calls[call][1].headers['X-CSRF-Token']

  it('sends the CSRF token with every change, and never with a read', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { items: [] }),
      jsonResponse(201, { id: 's' }),
      jsonResponse(200, {}),
      new Response(null, { status: 204 }),
      jsonResponse(200, { items: [], total: 0 }),
    )
    setCsrfToken('tok-1')

    await scheduleApi.getSchedules()
    await scheduleApi.createSchedule({ name: 'x' })
    await userApi.updateUser('ada', { role: 'viewer' })
    await scheduleApi.deleteSchedule('s')
    await auditApi.getAudit({ actor: 'ada' })

    expect(header(fetch, 0)).toBeUndefined()
    expect(header(fetch, 1)).toBe('tok-1')
    expect(header(fetch, 2)).toBe('tok-1')
    expect(header(fetch, 3)).toBe('tok-1')
    expect(header(fetch, 4)).toBeUndefined()
    expect(fetch.mock.calls.every(([, init]) => init.credentials === 'same-origin')).toBe(true)
  })

  it('sends no CSRF header in open mode, where there is no token', async () => {
    const fetch = stubFetch(jsonResponse(202, { id: 1 }))

    await scheduleApi.runScheduleNow('s')

    expect(header(fetch, 0)).toBeUndefined()
  })

  it('calls the 401 handler and says the session ended', async () => {
    stubFetch(jsonResponse(401, { error: 'unauthorized', message: "log in, or send the API token as 'Authorization: Bearer <token>'" }))
    const onUnauthorized = vi.fn()
    configureAuth({ onUnauthorized })

    const error = await scheduleApi.getSchedules().catch((e) => e)

    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    expect(error.status).toBe(401)
    expect(error.message).toBe('Your session has ended: log in again.')
  })

  it('leaves a 401 of the login itself to the login screen, with the server message', async () => {
    stubFetch(jsonResponse(401, { error: 'unauthorized', message: 'wrong username or password' }))
    const onUnauthorized = vi.fn()
    configureAuth({ onUnauthorized })

    const error = await authApi.login('ada', 'nope').catch((e) => e)

    expect(onUnauthorized).not.toHaveBeenCalled()
    expect(error.message).toBe('wrong username or password')
    const [url, init] = fetch.mock.calls[0]
    expect(url).toBe('/api/v1/auth/login')
    expect(JSON.parse(init.body)).toEqual({ username: 'ada', password: 'nope' })
  })

  it('explains a 403 as a refusal and tells the page the current role', async () => {
    const me = { username: 'vic', role: 'viewer', csrf_token: 'tok-1', auth_enabled: true }
    stubFetch(
      jsonResponse(403, { error: 'forbidden', message: 'the viewer role may not do this; it needs operator' }),
      jsonResponse(200, me),
    )
    const onSession = vi.fn()
    configureAuth({ onSession })
    setCsrfToken('tok-1')

    const error = await scheduleApi.runScheduleNow('s').catch((e) => e)

    expect(error.isForbidden).toBe(true)
    expect(error.message).toBe('Not allowed: the viewer role may not do this; it needs operator.')
    expect(onSession).toHaveBeenCalledWith(me)
    expect(fetch).toHaveBeenCalledTimes(2) // the same token: no second try
  })

  it('tries a write once more when the session has a new CSRF token (a login in another tab)', async () => {
    const fetch = stubFetch(
      jsonResponse(403, { error: 'forbidden', message: 'missing or wrong X-CSRF-Token header' }),
      jsonResponse(200, { username: 'ada', role: 'admin', csrf_token: 'tok-2', auth_enabled: true }),
      jsonResponse(200, { id: 's', enabled: false }),
    )
    setCsrfToken('tok-1')

    await expect(scheduleApi.toggleSchedule('s', false)).resolves.toEqual({ id: 's', enabled: false })

    expect(header(fetch, 0)).toBe('tok-1')
    expect(fetch.mock.calls[1][0]).toBe('/api/v1/auth/me')
    expect(header(fetch, 2)).toBe('tok-2')
  })
})

describe('userApi and auditApi', () => {
  it('address users by name and the audit log by filters', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { items: [] }),
      jsonResponse(201, { username: 'ada', role: 'viewer' }),
      new Response(null, { status: 204 }),
      jsonResponse(200, { items: [], total: 0, page: 2, page_size: 50 }),
    )

    await userApi.getUsers()
    await userApi.createUser({ username: 'ada', password: 'long enough', role: 'viewer' })
    await userApi.deleteUser('ada@example.org')
    await auditApi.getAudit({ page: 2, page_size: 50, actor: 'ada', action: null })

    expect(fetch.mock.calls.map(([url, init]) => `${init.method} ${url}`)).toEqual([
      'GET /api/v1/users',
      'POST /api/v1/users',
      'DELETE /api/v1/users/ada%40example.org',
      'GET /api/v1/audit?page=2&page_size=50&actor=ada',
    ])
  })
})

describe('buildQuery', () => {
  it('is empty when nothing is set', () => {
    expect(buildQuery({ a: undefined, b: null, c: '' })).toBe('')
  })

  it('repeats the key for each item of a list, and leaves an empty list out', () => {
    expect(buildQuery({ tag: ['nightly', 'team:data'], group: 'ETL', q: '' })).toBe('?tag=nightly&tag=team%3Adata&group=ETL')
    expect(buildQuery({ tag: [], page: 2 })).toBe('?page=2')
  })
})

describe('groups, clone and bulk', () => {
  it('asks for one filtered, sorted page with each tag once', async () => {
    const fetch = stubFetch(jsonResponse(200, { items: [], total: 0, page: 1, page_size: 100 }))
    await scheduleApi.getSchedules({ group: 'ETL', tag: ['a', 'b'], sort: '-next_run', page: 1, page_size: 100 })
    const url = new URL(fetch.mock.calls[0][0], 'http://page')
    expect(url.pathname).toBe('/api/v1/schedules')
    expect(url.searchParams.getAll('tag')).toEqual(['a', 'b'])
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ group: 'ETL', sort: '-next_run', page_size: '100' })
  })

  it('posts a clone and a bulk action with the CSRF token', async () => {
    setCsrfToken('tok')
    const fetch = stubFetch(
      jsonResponse(201, { id: 'c', name: 'Nightly (copy)', enabled: false }),
      jsonResponse(200, { results: [{ id: 'a', ok: true, error: null }] }),
    )
    expect((await scheduleApi.cloneSchedule('a b')).name).toBe('Nightly (copy)')
    const body = { action: 'set_group', ids: ['a'], value: 'ETL' }
    expect(await scheduleApi.bulkSchedules(body)).toEqual({ results: [{ id: 'a', ok: true, error: null }] })

    const [cloneUrl, cloneInit] = fetch.mock.calls[0]
    expect([cloneInit.method, cloneUrl]).toEqual(['POST', '/api/v1/schedules/a%20b/clone'])
    const [bulkUrl, bulkInit] = fetch.mock.calls[1]
    expect([bulkInit.method, bulkUrl]).toEqual(['POST', '/api/v1/schedules/bulk'])
    expect(JSON.parse(bulkInit.body)).toEqual(body)
    expect(bulkInit.headers['X-CSRF-Token']).toBe('tok')
  })

  it('words a refused bulk action as a refusal, with the server\'s reason', async () => {
    stubFetch(
      jsonResponse(403, { error: 'forbidden', message: 'delete needs the admin role' }),
      jsonResponse(200, { username: 'olga', role: 'operator', csrf_token: null, auth_enabled: true }),
    )
    const error = await scheduleApi.bulkSchedules({ action: 'delete', ids: ['a'] }).catch((e) => e)
    expect(error.status).toBe(403)
    expect(error.message).toBe('Not allowed: delete needs the admin role.')
  })
})
