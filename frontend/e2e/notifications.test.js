/**
 * Notifications in a real browser against a real tickwork server: an admin adds a json://
 * channel pointing at a webhook receiver this test runs on loopback, clicks "Send test" and
 * the message arrives; then subscribes a schedule to it in the schedule form, and a failed
 * run's notification arrives too.
 */
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { REPO_DIR, startBackend } from './support/backend.js'
import { launchBrowser, openPage } from './support/browser.js'

const SECRET = 'e2e-hook-token-5b1f'
const SCHEDULE = 'Nightly notified'
const SHOTS_DIR = join(REPO_DIR, 'docs/screenshots')
let backend
let browser
let page
let receiver
const received = []

function startReceiver() {
  return new Promise((resolveStart) => {
    const server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk) => (body += chunk))
      request.on('end', () => {
        received.push({ path: request.url, ...JSON.parse(body || '{}') })
        response.writeHead(200).end()
      })
    })
    server.listen(0, '127.0.0.1', () => resolveStart(server))
  })
}

async function waitFor(check, what, timeout = 20_000) {
  const deadline = Date.now() + timeout
  while (Date.now() < deadline) {
    const found = check()
    if (found) return found
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.fail(`${what} did not happen within ${timeout} ms`)
}

describe('notifications', { timeout: 180_000 }, () => {
  before(async () => {
    receiver = await startReceiver()
    backend = await startBackend()
    browser = await launchBrowser()
    page = await openPage(browser)
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
    receiver?.close()
  })

  test('adds a json:// channel and a test message from the page arrives', async () => {
    await page.goto(`${backend.url}/`)
    await page.locator('.app-nav-bar__link', { hasText: 'Notifications' }).click()
    await page.waitForURL(`${backend.url}/notifications`)
    const url = `json://127.0.0.1:${receiver.address().port}/hooks/${SECRET}`
    await page.locator('[data-test="channel-name"]').fill('ops hook')
    await page.locator('[data-test="channel-url"]').fill(url)
    await page.locator('[data-test="channel-save"]').click()

    const row = page.locator('[data-test="channel-table"] tbody tr', { hasText: 'ops hook' })
    await row.waitFor()
    const shown = await row.locator('[data-test="channel-url-shown"]').textContent()
    assert.equal(shown, `json://127.0.0.1:${receiver.address().port}/…`)
    assert.ok(!(await page.content()).includes(SECRET), 'the page never shows the stored URL again')

    await row.locator('[data-test="send-test"]').click()
    const message = await waitFor(() => received.find((m) => m.title?.includes('test message')), 'the test message')
    assert.equal(message.title, '[tickwork] test message for ops hook')
    assert.equal(message.path, `/hooks/${SECRET}`)
    await page.locator('.n-message', { hasText: 'Test message sent to ops hook' }).waitFor()
    await mkdir(SHOTS_DIR, { recursive: true })
    await page.screenshot({ path: join(SHOTS_DIR, 'notifications.png'), fullPage: true })
    assert.deepEqual(page.errors, [])
  })

  test('subscribes a schedule in its form, and its failed run is told', async () => {
    const { body: workflows } = await backend.api('GET', '/workflows')
    const workflow = workflows.items.find((w) => w.name === 'evaluate') || workflows.items[0]
    const created = await backend.api('POST', '/schedules', {
      name: SCHEDULE,
      workflow_type: workflow.name,
      cron_schedule: '0 3 1 1 *',
      parameters: { custom_args: ['--no-such-flag'] },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))

    await page.goto(`${backend.url}/schedules`)
    const card = page.locator('[data-test="schedule-card"]', { hasText: SCHEDULE })
    await card.locator('[data-test="edit"]').click()
    const dialog = page.locator('[role="dialog"]')
    await dialog.locator('[data-test="notify-add"]').click()
    await page.locator('.n-base-select-option', { hasText: 'ops hook' }).first().click()
    const row = dialog.locator('[data-test="notify-row"]')
    await row.waitFor()
    assert.match(await row.textContent(), /ops hook/)
    await dialog.locator('[data-test="notify"]').screenshot({ path: join(SHOTS_DIR, 'schedule-notify.png') })
    await dialog.locator('[data-test="save"]').click()
    await dialog.waitFor({ state: 'detached' })

    const { body: saved } = await backend.api('GET', `/schedules/${created.body.id}`)
    assert.deepEqual(saved.notify.map((s) => s.on), [['failed', 'timeout']])

    const { body: run } = await backend.api('POST', `/schedules/${created.body.id}/run`)
    const told = await waitFor(
      () => received.find((m) => m.title === `[tickwork] ${SCHEDULE}: run #${run.id} failed`),
      'the failed run’s notification',
    )
    assert.match(told.message, new RegExp(`/runs/${run.id}`))
    assert.deepEqual(page.errors, [])
  })
})
