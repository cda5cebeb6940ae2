import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { POLL_INTERVAL_MS, useServerEvents } from '@/composables/useServerEvents'

class FakeEventSource {
  static instances = []

  constructor(url) {
    this.url = url
    this.listeners = {}
    this.closed = false
    FakeEventSource.instances.push(this)
  }

  addEventListener(name, handler) {
    ;(this.listeners[name] ||= []).push(handler)
  }

  close() {
    this.closed = true
  }

  fire(name, event = {}) {
    for (const handler of this.listeners[name] || []) handler(event)
  }
}

let scope

beforeEach(() => {
  vi.useFakeTimers()
  FakeEventSource.instances = []
  vi.stubGlobal('EventSource', FakeEventSource)
  scope = effectScope()
})

afterEach(() => {
  scope.stop()
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

function subscribe(handlers) {
  return scope.run(() => useServerEvents(handlers))
}

describe('useServerEvents', () => {
  it('opens the event stream and hands parsed events to the handlers', () => {
    const run = vi.fn()
    const { mode } = subscribe({ run })
    const source = FakeEventSource.instances[0]
    expect(source.url).toBe('/api/v1/events')

    source.fire('open')
    source.fire('run', { data: JSON.stringify({ action: 'finished', run: { id: 3, status: 'success' } }) })

    expect(mode.value).toBe('live')
    expect(run).toHaveBeenCalledWith({ action: 'finished', run: { id: 3, status: 'success' } })
  })

  it('falls back to periodic refresh when the stream fails, and retries it', () => {
    const refresh = vi.fn()
    const { mode } = subscribe({ refresh })
    const first = FakeEventSource.instances[0]
    first.fire('open')

    first.fire('error')
    expect(first.closed).toBe(true)
    expect(mode.value).toBe('polling')
    // Asked at once: the stream dropping is often the server going away.
    expect(refresh).toHaveBeenCalledTimes(1)

    vi.advanceTimersByTime(POLL_INTERVAL_MS)
    expect(refresh).toHaveBeenCalledTimes(2)
    expect(FakeEventSource.instances.length).toBeGreaterThan(1) // a retry was made meanwhile

    const retry = FakeEventSource.instances.at(-1)
    retry.fire('open')
    expect(mode.value).toBe('live')
    expect(refresh).toHaveBeenCalledTimes(3) // one catch-up refresh on reconnect

    vi.advanceTimersByTime(POLL_INTERVAL_MS * 3)
    expect(refresh).toHaveBeenCalledTimes(3) // no more polling once live
  })

  it('closes the stream when the last subscriber goes', () => {
    subscribe({})
    const source = FakeEventSource.instances[0]

    scope.stop()

    expect(source.closed).toBe(true)
  })
})
