/**
 * The real server is killed under an open dashboard and started again: the page must
 * say plainly that it cannot reach the server, stop its clocks, and recover by itself.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { REPO_DIR, startBackend } from './support/backend.js'
import { DESKTOP, launchBrowser, openPage } from './support/browser.js'

const SHOTS_DIR = join(REPO_DIR, 'docs/screenshots')
let backend
let browser

describe('server down', { timeout: 120_000 }, () => {
  before(async () => {
    backend = await startBackend()
    browser = await launchBrowser()
    const { status } = await backend.api('POST', '/schedules', {
      name: 'Every minute',
      workflow_type: 'main',
      cron_schedule: '* * * * *',
    })
    assert.equal(status, 201)
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('shows that the server cannot be reached until it answers again', async () => {
    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/`)
    const state = page.locator('[data-test="scheduler-state"]')
    await page.locator('[data-test="countdown"]').waitFor()
    assert.equal((await state.textContent()).trim(), 'Running')
    await page.locator('[data-test="connection"].is-live').waitFor()

    await backend.kill()

    await page.locator('[data-test="server-down"]').waitFor({ timeout: 20_000 })
    assert.match(await state.textContent(), /server not reachable/)
    assert.equal((await page.locator('[data-test="countdown"]').textContent()).trim(), 'unknown while offline')
    assert.match(await page.locator('[data-test="connection"]').textContent(), /Offline/)
    const filter = await page.locator('main').evaluate((el) => getComputedStyle(el).filter)
    assert.match(filter, /grayscale/)
    const relative = page.locator('[data-test="upcoming"] li').first()
    const frozen = await relative.textContent()
    await page.waitForTimeout(2100)
    assert.equal(await relative.textContent(), frozen, 'the upcoming list stands still')
    await page.screenshot({ path: join(SHOTS_DIR, 'server-down.png') })

    await backend.restart()

    await page.locator('[data-test="server-down"]').waitFor({ state: 'detached', timeout: 30_000 })
    assert.equal((await state.textContent()).trim(), 'Running')
    assert.match(await page.locator('[data-test="countdown"]').textContent(), /^in /)
    // Page errors from failed requests are expected here; uncaught exceptions are not.
    assert.deepEqual(page.errors, [])
  })
})
