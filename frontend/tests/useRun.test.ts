import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, type Ref } from 'vue'
import { flushPromises } from '@vue/test-utils'
import { useRun } from '@/composables/useRun'
import { jsonResponse } from './support/fetch'

type Listener = (event: { data?: string }) => void

class FakeEventSource {
  static instances: FakeEventSource[] = []
  listeners: Record<string, Listener[]> = {}

  constructor() {
    FakeEventSource.instances.push(this)
  }

  addEventListener(name: string, handler: Listener) {
    ;(this.listeners[name] ||= []).push(handler)
  }

  close() {}

  fire(name: string, data: unknown) {
    for (const handler of this.listeners[name] || []) handler({ data: JSON.stringify(data) })
  }
}

beforeEach(() => {
  FakeEventSource.instances = []
  vi.stubGlobal('EventSource', FakeEventSource)
})
afterEach(() => vi.unstubAllGlobals())

describe('useRun', () => {
  it('keeps the command it read when an update comes in list shape (command null)', async () => {
    const full = { id: 5, status: 'running', command: ['python', 'main.py'], output_tail: '' }
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, full)))
    const scope = effectScope()
    // useRun is JavaScript: its run is typed from ref(null).
    const { run } = scope.run(() => useRun(5)) as unknown as { run: Ref<{ status: string; command: unknown } | null> }
    await flushPromises()
    expect(run.value?.command).toEqual(['python', 'main.py'])

    FakeEventSource.instances[0].fire('run', { action: 'finished', run: { id: 5, status: 'success', command: null } })
    expect(run.value?.status).toBe('success')
    expect(run.value?.command).toEqual(['python', 'main.py'])
    scope.stop()
  })
})
