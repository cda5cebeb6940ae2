import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import BackupManager from '@/views/BackupManager.vue'
import { resetAuth, setSession } from '@/composables/useAuth'
import { viewerTimeZone } from '@/utils/audit'
import { formatDateTime } from '@/utils/format'
import { jsonResponse } from './support/fetch'
import { COPIES, planOf, stubBackupServer } from './support/backupServer'

enableAutoUnmount(afterEach)

const OLDER = COPIES[1].name

async function mountPage() {
  const view = mount(BackupManager, { attachTo: document.body })
  await flushPromises()
  return view
}

const rowOf = (view: VueWrapper, name: string) => view.get(`[data-test="backup-row"][data-name="${name}"]`)
const previewButton = (view: VueWrapper, name: string) => view.find(`button[aria-label="Preview restore of ${name}"]`)
const dialog = () => document.body.querySelector<HTMLElement>('[role="dialog"][data-test="restore-dialog"]')

async function click(element: Element | null) {
  ;(element as HTMLElement).click()
  await flushPromises()
}

beforeEach(() => {
  // No live stream in these tests: the page falls back to asking again, which is not awaited here.
  vi.stubGlobal('EventSource', undefined)
  setSession({ username: 'ada', role: 'admin', csrf_token: 't', auth_enabled: true })
})
afterEach(() => {
  resetAuth()
  vi.unstubAllGlobals()
})

describe('BackupManager', () => {
  it('lists each copy with its time in the viewer’s zone and its schedules, or says it is unreadable', async () => {
    stubBackupServer(() => ({ items: COPIES }))
    const view = await mountPage()
    const zone = viewerTimeZone()

    expect(view.text()).toContain(`Taken (${zone})`)
    const older = rowOf(view, OLDER)
    expect(older.text()).toContain(formatDateTime(COPIES[1].taken_at, zone, { seconds: true }))
    expect(older.findAll('td')[2].text()).toBe('2')
    expect(rowOf(view, 'schedules.json').text()).toContain('current')
    const unreadable = COPIES[2].name
    expect(rowOf(view, unreadable).text()).toContain('unreadable')
    expect(previewButton(view, unreadable).exists()).toBe(false)
    expect(previewButton(view, OLDER).exists()).toBe(true)
    // An empty copy would delete every schedule: its preview is offered disabled.
    expect(previewButton(view, COPIES[3].name).attributes('disabled')).toBeDefined()
  })

  it('previews a copy, lists its changes and warns that removed schedules lose their history', async () => {
    const server = stubBackupServer(
      () => ({ items: COPIES }),
      jsonResponse(200, planOf(OLDER, { added: ['Nightly export'], changed: ['Hourly'], removed: ['Old report'] })),
    )
    const view = await mountPage()

    await previewButton(view, OLDER).trigger('click')
    await flushPromises()

    expect(server.sent).toEqual([{ backup: OLDER, dry_run: true }])
    const plan = view.get('[data-test="restore-plan"]')
    expect(plan.get('[data-test="plan-counts"]').text()).toBe('1 added1 changed1 removed1 unchanged')
    expect(plan.get('[data-test="plan-added"]').text()).toContain('Nightly export')
    expect(plan.get('[data-test="plan-changed"]').text()).toContain('Hourly')
    expect(plan.get('[data-test="plan-removed"] li').text()).toBe('Old report')
    expect(plan.get('[data-test="plan-removal-warning"]').text()).toContain('lose their run history')
    expect(rowOf(view, OLDER).classes()).toContain('is-previewed')
    expect(dialog()).toBeNull()
  })

  it('restores only after the named dialog is confirmed, then shows the counts', async () => {
    const changes = { added: ['Nightly export'] }
    const server = stubBackupServer(
      () => ({ items: COPIES }),
      jsonResponse(200, planOf(OLDER, changes)),
      jsonResponse(200, planOf(OLDER, changes, true)),
    )
    const view = await mountPage()
    await previewButton(view, OLDER).trigger('click')
    await flushPromises()

    await view.get('[data-test="restore"]').trigger('click')
    await flushPromises()
    expect(dialog()?.getAttribute('aria-label')).toBe(`Restore ${OLDER}?`)
    expect(dialog()?.textContent).toContain('1 added, 0 changed, 0 removed, 1 unchanged')
    expect(server.sent).toHaveLength(1)

    await click(dialog()!.querySelector('[data-test="confirm-restore"]'))

    expect(server.sent).toEqual([
      { backup: OLDER, dry_run: true },
      { backup: OLDER, dry_run: false },
    ])
    const done = view.get('[data-test="restore-done"]')
    expect(done.text()).toContain(`Restored ${OLDER}`)
    expect(done.text()).toContain('1 added, 0 changed, 0 removed, 1 unchanged.')
    expect(view.find('[data-test="restore-plan"]').exists()).toBe(false)
  })

  it('cancelling the dialog writes nothing and keeps the preview', async () => {
    const server = stubBackupServer(() => ({ items: COPIES }), jsonResponse(200, planOf(OLDER, { removed: ['Old report'] })))
    const view = await mountPage()
    await previewButton(view, OLDER).trigger('click')
    await flushPromises()
    await view.get('[data-test="restore"]').trigger('click')
    await flushPromises()
    expect(dialog()?.textContent).toContain('1 schedule is deleted with its whole run history')

    await click(dialog()!.querySelector('[data-test="cancel-restore"]'))

    expect(server.sent).toEqual([{ backup: OLDER, dry_run: true }])
    expect(view.find('[data-test="restore-plan"]').exists()).toBe(true)
  })

  it('shows a refused copy’s problems by schedule and field', async () => {
    stubBackupServer(
      () => ({ items: COPIES }),
      jsonResponse(422, {
        error: 'validation_error',
        message: 'nothing imported: 2 problem(s) found',
        errors: [
          { field: 'schedules.1.timezone', message: 'unknown time zone: Mars/Olympus' },
          { field: 'schedules.0.cron_schedule', message: 'minute 61 is out of range 0-59' },
        ],
      }),
    )
    const view = await mountPage()

    await previewButton(view, OLDER).trigger('click')
    await flushPromises()

    const alert = view.get('[data-test="restore-error"]')
    expect(alert.attributes('role')).toBe('alert')
    expect(alert.text()).toContain(`The preview of ${OLDER} failed`)
    expect(alert.text()).toContain('2 problems in this copy; nothing was restored.')
    expect(alert.findAll('[data-test="restore-problem"]').map((li) => li.text())).toEqual([
      'Schedule 1, cron expression: minute 61 is out of range 0-59',
      'Schedule 2, time zone: unknown time zone: Mars/Olympus',
    ])
    expect(view.find('[data-test="restore-plan"]').exists()).toBe(false)
  })

  it('says when a copy is gone and reads the list again', async () => {
    let items = COPIES
    const server = stubBackupServer(
      () => ({ items }),
      jsonResponse(200, planOf(OLDER, { added: ['Nightly export'] })),
      () => {
        items = COPIES.filter((c) => c.name !== OLDER)
        return jsonResponse(404, { error: 'not_found', message: `no backup '${OLDER}'; there are: schedules.json` })
      },
    )
    const view = await mountPage()
    await previewButton(view, OLDER).trigger('click')
    await flushPromises()
    await view.get('[data-test="restore"]').trigger('click')
    await flushPromises()

    await click(dialog()!.querySelector('[data-test="confirm-restore"]'))

    const alert = view.get('[data-test="restore-error"]')
    expect(alert.text()).toContain(`${OLDER} was not restored`)
    expect(alert.text()).toContain('no longer there')
    expect(server.lists()).toBe(2)
    expect(view.find(`[data-test="backup-row"][data-name="${OLDER}"]`).exists()).toBe(false)
    expect(view.find('[data-test="restore-done"]').exists()).toBe(false)
    expect(view.find('[data-test="restore-plan"]').exists()).toBe(false)
  })

  it('asks for a fresh preview once the schedules changed after it, instead of restoring', async () => {
    const handlers: Record<string, (event: { data: string }) => void> = {}
    vi.stubGlobal(
      'EventSource',
      class {
        addEventListener(name: string, handler: (event: { data: string }) => void) {
          handlers[name] = handler
        }
        close() {}
      },
    )
    const server = stubBackupServer(
      () => ({ items: COPIES }),
      jsonResponse(200, planOf(OLDER, { added: ['Nightly export'] })),
      jsonResponse(200, planOf(OLDER, { added: ['Nightly export', 'Hourly'] })),
    )
    const view = await mountPage()
    await previewButton(view, OLDER).trigger('click')
    await flushPromises()

    handlers.schedule({ data: JSON.stringify({ action: 'deleted', schedule_id: 's2' }) })
    await flushPromises()
    expect(view.find('[data-test="plan-stale"]').exists()).toBe(true)
    expect(view.find('[data-test="restore"]').exists()).toBe(false)

    await view.get('[data-test="preview-again"]').trigger('click')
    await flushPromises()
    expect(server.sent).toEqual([
      { backup: OLDER, dry_run: true },
      { backup: OLDER, dry_run: true },
    ])
    expect(view.find('[data-test="plan-stale"]').exists()).toBe(false)
    expect(view.get('[data-test="plan-counts"]').text()).toContain('2 added')
  })

  it('tells an operator that backups are for admins, without asking the server', async () => {
    setSession({ username: 'olga', role: 'operator', csrf_token: 't', auth_enabled: true })
    const server = stubBackupServer(() => ({ items: COPIES }))
    const view = await mountPage()

    expect(view.find('[data-test="backups-forbidden"]').exists()).toBe(true)
    expect(server.fetch).not.toHaveBeenCalled()
  })
})
