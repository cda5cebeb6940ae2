import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { errorMessage, isAbort, useRequest } from '@/composables/useRequest'
import { useRuns } from '@/composables/useRuns'
import type { RunStatus } from '@/services/types'
import { ApiError, scheduleApi } from '@/services/api'
import { jsonResponse } from './support/fetch.js'

afterEach(() => {
  vi.unstubAllGlobals()
})

/** A promise with its resolve and reject in hand, so a test decides when an answer arrives. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((yes, no) => {
    resolve = yes
    reject = no
  })
  return { promise, resolve, reject }
}

/** A fetch that answers each call only when the test says so, and rejects as a browser does once its signal aborts. */
function stubManualFetch() {
  const calls: { url: string; signal: AbortSignal; answer: ReturnType<typeof deferred<Response>> }[] = []
  const fetch = vi.fn((url: string, init: RequestInit) => {
    const answer = deferred<Response>()
    const signal = init.signal as AbortSignal
    signal.addEventListener('abort', () => answer.reject(new DOMException('The user aborted a request.', 'AbortError')))
    calls.push({ url, signal, answer })
    return answer.promise
  })
  vi.stubGlobal('fetch', fetch)
  return calls
}

const page = (name: string) => ({ items: [{ id: name, name }], total: 1, page: 1, page_size: 50 })

describe('useRequest', () => {
  it('is loading while a request is under way, and keeps its answer as data', async () => {
    const calls = stubManualFetch()
    const request = useRequest((signal) => scheduleApi.getSchedules({}, { signal }))

    expect(request.loading.value).toBe(false)
    const done = request.run()
    expect(request.loading.value).toBe(true)
    calls[0].answer.resolve(jsonResponse(200, page('a')))

    await expect(done).resolves.toEqual(page('a'))
    expect(request.loading.value).toBe(false)
    expect(request.data.value).toEqual(page('a'))
    expect(request.error.value).toBeNull()
    expect(request.message.value).toBe('')
  })

  it('aborts the request in flight when a new one starts, and shows only the new answer', async () => {
    const calls = stubManualFetch()
    const onSuccess = vi.fn()
    const request = useRequest((signal, q: string) => scheduleApi.getSchedules({ q }, { signal }), { onSuccess })

    const first = request.run('old')
    const second = request.run('new')

    expect(calls.map((c) => c.url)).toEqual(['/api/v1/schedules?q=old', '/api/v1/schedules?q=new'])
    expect(calls[0].signal.aborted).toBe(true)
    expect(calls[1].signal.aborted).toBe(false)
    await expect(first).resolves.toBeUndefined()
    // The first one's end does not end the loading of the second.
    expect(request.loading.value).toBe(true)

    calls[1].answer.resolve(jsonResponse(200, page('new')))
    await second
    expect(request.data.value).toEqual(page('new'))
    expect(request.error.value).toBeNull()
    expect(onSuccess).toHaveBeenCalledTimes(1)
    expect(onSuccess).toHaveBeenCalledWith(page('new'))
  })

  it('drops an answer that arrives after a newer request began, even when the fetcher ignores the signal', async () => {
    const answers = [deferred<string>(), deferred<string>()]
    let asked = 0
    const request = useRequest(() => answers[asked++].promise)

    const first = request.run()
    const second = request.run()
    answers[1].resolve('new')
    await second
    answers[0].resolve('old')
    await first

    expect(request.data.value).toBe('new')
  })

  it('keeps the last failure as error, in words, with the data read before', async () => {
    const calls = stubManualFetch()
    const onError = vi.fn()
    const request = useRequest((signal) => scheduleApi.getSchedules({}, { signal }), { onError })

    const ok = request.run()
    calls[0].answer.resolve(jsonResponse(200, page('a')))
    await ok
    const failed = request.run()
    calls[1].answer.resolve(jsonResponse(403, { error: 'forbidden', message: 'the viewer role may not do this' }))

    await expect(failed).resolves.toBeUndefined()
    expect(request.error.value).toBeInstanceOf(ApiError)
    expect((request.error.value as ApiError).status).toBe(403)
    expect(request.message.value).toBe('Not allowed: the viewer role may not do this.')
    expect(onError).toHaveBeenCalledWith(request.error.value)
    expect(request.data.value).toEqual(page('a'))
    expect(request.loading.value).toBe(false)
  })

  it('clears the error once a request succeeds again', async () => {
    const request = useRequest(async (_signal, fail: boolean) => {
      if (fail) throw new ApiError(0, {})
      return 'fine'
    })

    await request.run(true)
    expect(request.message.value).toBe('The tickwork server cannot be reached.')
    await request.run(false)
    expect(request.error.value).toBeNull()
    expect(request.message.value).toBe('')
    expect(request.data.value).toBe('fine')
  })

  it('says an error as `describe` words it', async () => {
    const request = useRequest(
      async () => {
        throw new ApiError(422, { message: 'expression: bad', errors: [{ field: 'expression', message: 'expected 5 fields' }] })
      },
      { describe: (err) => (err as ApiError).errors[0]?.message ?? err.message },
    )

    await request.run()

    expect(request.message.value).toBe('expected 5 fields')
    expect(request.error.value?.message).toBe('expression: bad')
  })

  it('aborts what is in flight when its scope is disposed, and shows nothing of it', async () => {
    const calls = stubManualFetch()
    const scope = effectScope()
    const request = scope.run(() => useRequest((signal) => scheduleApi.getSchedules({}, { signal })))!

    const done = request.run()
    scope.stop()

    expect(calls[0].signal.aborted).toBe(true)
    await expect(done).resolves.toBeUndefined()
    expect(request.loading.value).toBe(false)
    expect(request.error.value).toBeNull()
    expect(request.data.value).toBeNull()
  })

  it('aborts on request, leaving the data as it was', async () => {
    const calls = stubManualFetch()
    const request = useRequest((signal) => scheduleApi.getSchedules({}, { signal }), { initial: page('start') })

    const done = request.run()
    request.abort()

    expect(calls[0].signal.aborted).toBe(true)
    expect(request.loading.value).toBe(false)
    await done
    expect(request.data.value).toEqual(page('start'))
    expect(request.error.value).toBeNull()
  })
})

describe('a composable on useRequest (useRuns)', () => {
  it('aborts the page asked for the old filter once the filter changes, and shows the new one', async () => {
    vi.stubGlobal('EventSource', undefined)
    const calls = stubManualFetch()
    const status = ref<RunStatus | null>(null)
    const scope = effectScope()
    const runs = scope.run(() => useRuns(() => ({ status: status.value, page_size: 25 })))!

    expect(runs.loading.value).toBe(true)
    status.value = 'failed'
    await nextTick()

    expect(calls.map((c) => c.url)).toEqual(['/api/v1/runs?page_size=25', '/api/v1/runs?status=failed&page_size=25'])
    expect(calls[0].signal.aborted).toBe(true)
    const failed = { items: [{ id: 9, status: 'failed' }], total: 1, page: 1, page_size: 25 }
    calls[1].answer.resolve(jsonResponse(200, failed))
    await vi.waitFor(() => expect(runs.loading.value).toBe(false))
    expect(runs.runs.value).toEqual(failed.items)
    expect(runs.total.value).toBe(1)
    expect(runs.error.value).toBeNull()

    // Leaving the page aborts what is still being asked.
    runs.load()
    scope.stop()
    expect(calls[2].signal.aborted).toBe(true)
  })
})

describe('errorMessage', () => {
  it('says each kind of failure in words', () => {
    expect(errorMessage(new ApiError(0, {}))).toBe('The tickwork server cannot be reached.')
    expect(errorMessage(new ApiError(409, { error: 'conflict', message: 'run 1 already ended' }))).toBe('run 1 already ended')
    expect(errorMessage(new ApiError(500, {}))).toBe('The server answered 500.')
    expect(errorMessage(new TypeError('x is undefined'))).toBe('x is undefined')
    expect(errorMessage('plain words')).toBe('plain words')
    expect(errorMessage(undefined)).toBe('Something went wrong.')
  })

  it('tells an abort from a failure', () => {
    expect(isAbort(new DOMException('aborted', 'AbortError'))).toBe(true)
    expect(isAbort(new ApiError(0, {}))).toBe(false)
    expect(isAbort(null)).toBe(false)
  })
})
