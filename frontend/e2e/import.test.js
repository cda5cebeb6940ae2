/** A refused import against the real server: every problem listed at its schedule and field. */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { REPO_DIR, startBackend } from './support/backend.js'
import { DESKTOP, launchBrowser, openPage } from './support/browser.js'

const SHOTS_DIR = join(REPO_DIR, 'docs/screenshots')
let backend
let browser

const BAD_FILE = {
  version: 1,
  schedules: [
    { name: 'Weekday hourly', workflow_type: 'main', cron_schedule: '0 8-23 * * 1-5' },
    { name: 'Nightly export', workflow_type: 'main', cron_schedule: '0 2 * * *', timezone: 'Mars/Olympus', timeout_seconds: 0 },
    { name: '', workflow_type: 'main', cron_schedule: '61 * * * *' },
  ],
}

describe('import', { timeout: 90_000 }, () => {
  before(async () => {
    backend = await startBackend()
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('a refused file lists each problem with its schedule and field', async () => {
    const { status, body } = await backend.api('POST', '/schedules/import', BAD_FILE)
    assert.equal(status, 422)
    assert.ok(body.errors.length >= 3, JSON.stringify(body))

    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/schedules`)
    await page.locator('[data-test="empty-state"]').waitFor()
    await page.locator('[data-test="import-file"]').setInputFiles({
      name: 'schedules.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(BAD_FILE)),
    })
    const problems = page.locator('[data-test="import-problem"]')
    await problems.first().waitFor()
    assert.equal(await problems.count(), body.errors.length)
    const texts = await problems.allTextContents()
    assert.ok(texts.some((t) => t.startsWith('Schedule 2 “Nightly export” (index 1), time zone')), texts.join('\n'))
    assert.ok(texts.some((t) => t.startsWith('Schedule 2 “Nightly export” (index 1), timeout')), texts.join('\n'))
    assert.ok(texts.some((t) => t.startsWith('Schedule 3 (index 2), name')), texts.join('\n'))
    assert.ok(!texts.join('\n').includes('String should have'), 'no validator wording')
    await page.screenshot({ path: join(SHOTS_DIR, 'import-failed.png') })
    assert.deepEqual(page.errors, [])
  })
})
