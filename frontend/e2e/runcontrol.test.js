/**
 * Run control through the page against a real server: retries set in the form show their
 * attempts together, and a schedule set to run after another shows the chained run and the
 * run that caused it.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { FRONTEND_DIR, startBackend } from './support/backend.js'
import { launchBrowser, openPage } from './support/browser.js'

// A cron that will not fire while the test runs: every run here is started on purpose.
const RARE_CRON = '0 3 1 1 *'
let backend
let browser
let page

const dialog = () => page.locator('[role="dialog"]')

async function until(what, check, timeout = 30_000) {
  const deadline = Date.now() + timeout
  let last
  for (;;) {
    last = await check()
    if (last) return last
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function pickOption(selectTestId, label) {
  await dialog().locator(`[data-test="${selectTestId}"]`).click()
  // Options are virtual (and the upstream search asks the server): type to narrow them down.
  await page.keyboard.type(label)
  // A single select closes on the pick: no Escape, which would close the editor instead.
  await page.locator('.n-base-select-option', { hasText: label }).first().click()
}

async function newScheduleInForm(name, workflow) {
  await page.goto(`${backend.url}/schedules`)
  await page.locator('[data-test="new-schedule"]').click()
  await dialog().locator('[data-test="name-input"]').fill(name)
  await pickOption('workflow-select', `${workflow}:`)
  await dialog().locator('[data-test="cron-input"]').fill(RARE_CRON)
}

async function save(name) {
  await dialog().locator('[data-test="save"]').click()
  await page.locator('[data-test="schedule-card"]', { hasText: name }).waitFor()
  const { body } = await backend.api('GET', `/schedules?q=${encodeURIComponent(name)}`)
  return body.items.find((s) => s.name === name)
}

describe('run control in the page', { timeout: 180_000 }, () => {
  before(async () => {
    backend = await startBackend({ workflows: join(FRONTEND_DIR, 'e2e/support/runcontrol-workflows.toml') })
    browser = await launchBrowser()
    page = await openPage(browser)
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('a failing schedule with two retries shows its three attempts together', async () => {
    await newScheduleInForm('Flaky export', 'fails')
    // A number field takes its value when it loses the focus, as a user tabbing on does.
    await dialog().locator('[data-test="max-retries-input"]').fill('2')
    await page.keyboard.press('Tab')
    await dialog().locator('[data-test="retry-delay-input"]').fill('0')
    await page.keyboard.press('Tab')
    await until('the retry preview', async () =>
      /tried 2 more times: then at once, at once/.test(await dialog().locator('[data-test="retry-preview"]').textContent()),
    )
    const saved = await save('Flaky export')
    assert.equal(saved.max_retries, 2)
    assert.equal(saved.retry_delay_seconds, 0)

    await page.goto(`${backend.url}/schedules/${saved.id}`)
    await page.locator('[data-test="run-now"]').click()
    const rows = page.locator('[data-test="run-history"] [data-test="run-row"]')
    // The third row shows as soon as the last retry is queued: wait for all three to have ended.
    await until(
      'three failed attempts in the history',
      async () => (await rows.locator('[data-status="failed"]').count()) === 3,
    )
    // All three failed, one group, in attempt order, each retry under the one it retries.
    const { body: history } = await backend.api('GET', `/schedules/${saved.id}/runs`)
    assert.deepEqual(history.items.map((r) => r.status), ['failed', 'failed', 'failed'])
    const first = history.items.find((r) => r.attempt === 1)
    assert.deepEqual(
      await rows.evaluateAll((els) => els.map((el) => [el.dataset.attempt, el.dataset.group])),
      [
        ['1', String(first.id)],
        ['2', String(first.id)],
        ['3', String(first.id)],
      ],
    )
    assert.equal(await rows.nth(2).locator('[data-test="run-attempt"]').textContent(), 'attempt 3 of 3')
    assert.match(await rows.nth(1).textContent(), /Retry/)

    // The last attempt's page says which run it retries.
    await rows.nth(2).click()
    const cause = page.locator('[data-test="run-cause"]')
    const second = history.items.find((r) => r.attempt === 2)
    const retried = new RegExp(`retry \\(attempt 3\\) of\\s*run #${second.id}\\s*of\\s*Flaky export`)
    await until('the cause of the last attempt', async () => retried.test((await cause.textContent().catch(() => '')) || ''))
    assert.deepEqual(page.errors, [])
  })

  test('a schedule set to run after another on success starts when that one succeeds', async () => {
    const { status, body: upstream } = await backend.api('POST', '/schedules', {
      name: 'Extract',
      workflow_type: 'succeeds',
      cron_schedule: RARE_CRON,
    })
    assert.equal(status, 201, JSON.stringify(upstream))

    await newScheduleInForm('Load', 'succeeds')
    await pickOption('depends-on-search', 'Extract')
    const row = dialog().locator('[data-test="depends-on-row"]')
    await row.waitFor()
    assert.match(await row.textContent(), /Extract/)
    const loadSchedule = await save('Load')
    assert.deepEqual(loadSchedule.depends_on, [{ schedule_id: upstream.id, on: 'success' }])

    // Both ways on the detail pages.
    await page.goto(`${backend.url}/schedules/${loadSchedule.id}`)
    await until('the upstream link', async () => /Runs after: Extract \(on success\)/.test(await page.locator('[data-test="runs-after"]').textContent()))
    await page.goto(`${backend.url}/schedules/${upstream.id}`)
    await until('the downstream link', async () => /Starts: Load/.test(await page.locator('[data-test="starts"]').textContent()))

    await page.locator('[data-test="run-now"]').click()
    const chained = await until('the chained run of Load', async () => {
      const { body } = await backend.api('GET', `/schedules/${loadSchedule.id}/runs`)
      return body.items.find((r) => r.trigger === 'chain')
    })
    const { body: upstreamRuns } = await backend.api('GET', `/schedules/${upstream.id}/runs`)
    assert.equal(chained.parent_run_id, upstreamRuns.items[0].id)

    await page.goto(`${backend.url}/schedules/${loadSchedule.id}`)
    const chainRow = page.locator(`[data-test="run-row"][data-run-id="${chained.id}"]`)
    await chainRow.waitFor()
    assert.match(await chainRow.textContent(), /Chained/)
    await chainRow.click()
    const cause = page.locator('[data-test="run-cause"]')
    const causedBy = new RegExp(`Chained after\\s*run #${chained.parent_run_id}\\s*of\\s*Extract`)
    await until('the cause of the chained run', async () => causedBy.test((await cause.textContent().catch(() => '')) || ''))
    await cause.locator('[data-test="parent-run-link"]').click()
    await page.waitForURL(`**/runs/${chained.parent_run_id}`)
    assert.deepEqual(page.errors, [])
  })
})
