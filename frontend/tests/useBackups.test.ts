import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, type EffectScope } from 'vue'
import { flushPromises } from '@vue/test-utils'
import { AFTER_WRITE_MS, useBackups } from '@/composables/useBackups'
import { jsonResponse } from './support/fetch'
import { COPIES, planOf, stubBackupServer } from './support/backupServer'

type Listener = (event: { data?: string }) => void

/** The page's one event stream, fired by hand. */
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

const OLDER = COPIES[1].name
let scope: EffectScope

function start(options?: { enabled?: boolean }) {
  scope = effectScope()
  return scope.run(() => useBackups(options))!
}

beforeEach(() => {
  FakeEventSource.instances = []
  vi.stubGlobal('EventSource', FakeEventSource)
})
afterEach(() => {
  scope?.stop()
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('useBackups', () => {
  it('lists the copies as the server orders them, newest first', async () => {
    stubBackupServer(() => ({ items: COPIES }))
    const { backups, loaded } = start()
    await flushPromises()

    expect(loaded.value).toBe(true)
    expect(backups.value.map((b) => b.name)).toEqual(COPIES.map((c) => c.name))
    expect(backups.value[2].schedules).toBeNull()
  })

  it('previews as a dry run and keeps the plan; nothing is applied', async () => {
    const server = stubBackupServer(() => ({ items: COPIES }), jsonResponse(200, planOf(OLDER, { added: ['Nightly'] })))
    const { plan, preview, pending } = start()
    await flushPromises()

    const asked = preview(OLDER)
    expect(pending.value).toEqual({ name: OLDER, action: 'preview' })
    await asked

    expect(server.sent).toEqual([{ backup: OLDER, dry_run: true }])
    expect(plan.value?.added).toEqual(['Nightly'])
    expect(pending.value).toBeNull()
  })

  it('restores with dry_run false, drops the plan and reads the list again once the new copy is written', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const server = stubBackupServer(
      () => ({ items: COPIES }),
      jsonResponse(200, planOf(OLDER, { added: ['Nightly'] })),
      jsonResponse(200, planOf(OLDER, { added: ['Nightly'] }, true)),
    )
    const { plan, preview, restore } = start()
    await flushPromises()
    await preview(OLDER)

    const done = await restore(OLDER)

    expect(server.sent.at(-1)).toEqual({ backup: OLDER, dry_run: false })
    expect(done.applied).toBe(true)
    expect(plan.value).toBeNull()
    expect(server.lists()).toBe(1)
    await vi.advanceTimersByTimeAsync(AFTER_WRITE_MS)
    expect(server.lists()).toBe(2)
  })

  it('throws a refused copy with its field errors and keeps no plan', async () => {
    const server = stubBackupServer(
      () => ({ items: COPIES }),
      jsonResponse(200, planOf(OLDER, { added: ['Nightly'] })),
      jsonResponse(422, {
        error: 'validation_error',
        message: 'nothing imported: 1 problem(s) found',
        errors: [{ field: 'schedules.1.timezone', message: 'unknown time zone: Mars/Olympus' }],
      }),
    )
    const { plan, preview } = start()
    await flushPromises()
    await preview(OLDER)

    const error = await preview('schedules.json').catch((err) => err)

    expect(error.status).toBe(422)
    expect(error.errors).toEqual([{ field: 'schedules.1.timezone', message: 'unknown time zone: Mars/Olympus' }])
    expect(plan.value).toBeNull()
    expect(server.sent.every((body) => body.dry_run)).toBe(true)
  })

  it('marks a shown plan stale when the schedules change after it', async () => {
    stubBackupServer(() => ({ items: COPIES }), jsonResponse(200, planOf(OLDER, { added: ['Nightly'] })))
    const { plan, stale, preview } = start()
    await flushPromises()
    const events = FakeEventSource.instances[0]

    events.fire('schedule', { action: 'updated', schedule_id: 's1' })
    expect(stale.value).toBe(false)

    await preview(OLDER)
    events.fire('schedule', { action: 'deleted', schedule_id: 's1' })
    expect(stale.value).toBe(true)
    expect(plan.value?.backup).toBe(OLDER)
  })

  it('asks nothing when not enabled (no admin role)', async () => {
    const server = stubBackupServer(() => ({ items: COPIES }))
    const { backups, loaded } = start({ enabled: false })
    await flushPromises()

    expect(server.fetch).not.toHaveBeenCalled()
    expect(FakeEventSource.instances).toHaveLength(0)
    expect(loaded.value).toBe(true)
    expect(backups.value).toEqual([])
  })
})
