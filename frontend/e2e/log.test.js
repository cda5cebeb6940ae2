/** The log viewer on a real run whose output has ANSI colours and a line on stderr. */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { FRONTEND_DIR, REPO_DIR, startBackend } from './support/backend.js'
import { DESKTOP, launchBrowser, openPage } from './support/browser.js'

const SHOTS_DIR = join(REPO_DIR, 'docs/screenshots')
let backend
let browser
let run

describe('run log', { timeout: 120_000 }, () => {
  before(async () => {
    backend = await startBackend({ workflows: join(FRONTEND_DIR, 'e2e/support/colour-workflows.toml') })
    browser = await launchBrowser()
    const { status, body: schedule } = await backend.api('POST', '/schedules', {
      name: 'Region check',
      description: 'Checks each region and reports in colour',
      workflow_type: 'colours',
      cron_schedule: '0 6 * * *',
    })
    assert.equal(status, 201, JSON.stringify(schedule))
    ;({ body: run } = await backend.api('POST', `/schedules/${schedule.id}/run`))
    const deadline = Date.now() + 60_000
    while ((await backend.api('GET', `/runs/${run.id}`)).body.status !== 'success') {
      assert.ok(Date.now() < deadline, 'the run did not succeed')
      await new Promise((r) => setTimeout(r, 200))
    }
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('shows colours, not escape codes, and finds text in the log', async () => {
    const page = await openPage(browser, { ...DESKTOP, height: 900 })
    await page.goto(`${backend.url}/runs/${run.id}`)
    const log = page.locator('[data-test="run-log"]')
    await log.getByText('done: 2 OK').waitFor()
    const text = await log.textContent()
    assert.ok(!text.includes('\u001b') && !text.includes('[32m'), 'no raw escape codes')
    const ok = log.locator('span', { hasText: /^OK$/ }).first()
    assert.equal(await ok.evaluate((el) => getComputedStyle(el).color), 'rgb(0, 187, 0)')

    await page.screenshot({ path: join(SHOTS_DIR, 'run-log.png'), fullPage: true })

    await page.locator('[data-test="log-search"]').fill('ok')
    await page.locator('[data-test="log-match-count"]', { hasText: '1 of 3' }).waitFor()
    await page.locator('[data-test="log-next"]').click()
    await page.locator('[data-test="log-match-count"]', { hasText: '2 of 3' }).waitFor()

    await log.focus()
    await page.keyboard.press('End')
    const download = page.locator('[data-test="log-download"]')
    assert.equal(await download.getAttribute('href'), `/api/v1/runs/${run.id}/log/download`)

    assert.deepEqual(page.errors, [])
  })
})
