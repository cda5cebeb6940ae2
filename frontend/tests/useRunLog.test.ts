import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import RunDetailLog from '@/components/RunDetailLog.vue'
import { useRunLog } from '@/composables/useRun'
import { jsonResponse } from './support/fetch'

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }))
afterEach(() => vi.useRealTimers())

describe('useRunLog', () => {
  it('takes an empty page ([] segments) in its stride and reads on from the same offset', async () => {
    const offsets: string[] = []
    const pages = [
      { run_id: 5, offset: 0, next_offset: 0, content: '', segments: [], complete: false },
      { run_id: 5, offset: 0, next_offset: 5, content: 'boom\n', segments: [{ stream: 'stderr', text: 'boom\n' }], complete: true },
    ]
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        offsets.push(new URL(url, 'http://page').searchParams.get('offset') ?? '')
        return jsonResponse(200, pages.shift())
      }),
    )
    const scope = effectScope()
    const log = scope.run(() => useRunLog(5, { interval: 100 }))!
    await flushPromises()
    expect(log.segments.value).toEqual([])
    expect(log.complete.value).toBe(false)
    expect(log.error.value).toBeNull()

    await vi.advanceTimersByTimeAsync(100)
    await flushPromises()
    expect(offsets).toEqual(['0', '0'])
    expect(log.segments.value).toEqual([{ stream: 'stderr', text: 'boom\n' }])
    expect(log.complete.value).toBe(true)
    scope.stop()
  })
})

describe('RunDetailLog with no segments', () => {
  it('says it waits while the run writes, and that there was no output once complete', async () => {
    const view = mount(RunDetailLog, { props: { segments: [], complete: false, runId: 5 } })
    expect(view.text()).toContain('Waiting for output…')
    await view.setProps({ complete: true })
    expect(view.text()).toContain('(no output)')
    expect(view.text()).not.toContain('undefined')
  })
})
