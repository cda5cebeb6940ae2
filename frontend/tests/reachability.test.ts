import { afterEach, describe, expect, it, vi } from 'vitest'
import { scheduleApi } from '@/services/api'
import { reportReachable, useServerReachability } from '@/composables/useServerReachability'
import { jsonResponse, stubFetch } from './support/fetch.js'

afterEach(() => {
  vi.unstubAllGlobals()
  reportReachable(true)
})

describe('server reachability from API answers', () => {
  const { reachable } = useServerReachability()

  it('counts a 503 from tickwork itself (its store in trouble) as an answer', async () => {
    stubFetch(jsonResponse(503, { error: 'storage_unavailable', message: 'The database is locked; try again.' }))
    const error = await scheduleApi.getSchedulerStatus().catch((e) => e)
    expect(error.status).toBe(503)
    expect(error.message).toBe('The database is locked; try again.')
    expect(reachable.value).toBe(true)
  })

  it('counts a gateway 502-504 in front of the server as no answer', async () => {
    stubFetch(new Response('<html>503 Service Unavailable</html>', { status: 503 }))
    await scheduleApi.getSchedulerStatus().catch(() => null)
    expect(reachable.value).toBe(false)

    stubFetch(jsonResponse(200, { running: true }))
    await scheduleApi.getSchedulerStatus()
    expect(reachable.value).toBe(true)
  })
})
