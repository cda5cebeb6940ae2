import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, buildQuery, scheduleApi } from '@/services/api'

function jsonResponse(status, body) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

function stubFetch(...responses) {
  const fetch = vi.fn()
  for (const response of responses) fetch.mockResolvedValueOnce(response)
  vi.stubGlobal('fetch', fetch)
  return fetch
}

afterEach(() => {
  vi.unstubAllGlobals()
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

describe('buildQuery', () => {
  it('is empty when nothing is set', () => {
    expect(buildQuery({ a: undefined, b: null, c: '' })).toBe('')
  })
})
