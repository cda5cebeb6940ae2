/**
 * Restoring the schedules from a backup against the real server: the copy written before a
 * deletion is previewed ("1 added"), confirmed in a named dialog, and the schedule is back.
 * With BACKUPS_SCREENSHOT=<file> the page with its preview is saved there (light theme).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startBackend } from './support/backend.js'
import { launchBrowser, openPage } from './support/browser.js'

// Fires once a year: no run of its own adds to what the test reads.
const RARE_CRON = '0 3 1 1 *'
let backend
let browser

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** `check()`'s first truthy answer; the server writes its copy ~2 s after a change. */
async function until(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = await check()
    if (found) return found
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`)
    await sleep(200)
  }
}

async function copies() {
  const { status, body } = await backend.api('GET', '/backups')
  assert.equal(status, 200, JSON.stringify(body))
  return body.items
}

async function createSchedule(name) {
  const { status, body } = await backend.api('POST', '/schedules', { name, workflow_type: 'main', cron_schedule: RARE_CRON })
  assert.equal(status, 201, JSON.stringify(body))
  return body
}

describe('backups', { timeout: 90_000 }, () => {
  before(async () => {
    backend = await startBackend()
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('a deleted schedule comes back from the copy taken before the deletion', async () => {
    await createSchedule('Weekday hourly')
    const gone = await createSchedule('Nightly export')
    await until('copy with 2 schedules', async () => (await copies()).some((c) => c.schedules === 2))

    assert.equal((await backend.api('DELETE', `/schedules/${gone.id}`)).status, 204)
    // The mirror follows the deletion and the copy with both moves into backups/.
    const items = await until('mirror with 1 schedule', async () => {
      const found = await copies()
      return found[0]?.name === 'schedules.json' && found[0].schedules === 1 && found.some((c) => c.schedules === 2) && found
    })
    const copy = items.find((c) => c.schedules === 2)
    assert.match(copy.name, /^backups\//)

    const page = await openPage(browser)
    await page.emulateMedia({ colorScheme: 'light' })
    await page.goto(`${backend.url}/`)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Backups' }).click()
    await page.waitForURL(`${backend.url}/backups`)
    assert.equal(await page.title(), 'Backups · tickwork')
    const row = page.locator(`[data-test="backup-row"][data-name="${copy.name}"]`)
    await row.waitFor()
    assert.equal((await row.locator('td').nth(2).textContent()).trim(), '2')

    // By keyboard: the preview button is named by its copy.
    const previewButton = page.getByRole('button', { name: `Preview restore of ${copy.name}` })
    await previewButton.focus()
    await page.keyboard.press('Enter')
    const plan = page.locator('[data-test="restore-plan"]')
    await plan.waitFor()
    assert.match(await plan.locator('[data-test="plan-counts"]').textContent(), /1 added/)
    assert.match(await plan.locator('[data-test="plan-added"]').textContent(), /Nightly export/)
    assert.equal(await plan.locator('[data-test="plan-removed"]').count(), 0)
    // The preview wrote nothing.
    assert.equal((await backend.api('GET', '/schedules')).body.items.length, 1)
    if (process.env.BACKUPS_SCREENSHOT) {
      await settled(page)
      await page.screenshot({ path: process.env.BACKUPS_SCREENSHOT, fullPage: true })
    }

    await plan.getByRole('button', { name: `Restore ${copy.name}` }).click()
    const dialog = page.getByRole('dialog', { name: `Restore ${copy.name}?` })
    await dialog.waitFor()
    assert.match(await dialog.textContent(), /1 added, 0 changed, 0 removed, 1 unchanged/)
    await dialog.locator('[data-test="confirm-restore"]').click()

    const done = page.locator('[data-test="restore-done"]')
    await done.waitFor()
    assert.match(await done.textContent(), /1 added, 0 changed, 0 removed, 1 unchanged/)
    await dialog.waitFor({ state: 'hidden' })

    const names = (await backend.api('GET', '/schedules')).body.items.map((s) => s.name).sort()
    assert.deepEqual(names, ['Nightly export', 'Weekday hourly'])
    const back = (await backend.api('GET', `/schedules/${gone.id}`)).body
    assert.equal(back.name, 'Nightly export', 'the same id as before the deletion')
    assert.deepEqual(page.errors, [])
  })
})

/** Every animation and transition on the page has finished (none mid-way in a screenshot). */
async function settled(page) {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
}
