/**
 * Logging in, roles and the audit log against a real tickwork server whose data directory
 * has users before it starts (so authentication is on), in headless Chromium. The tests
 * run in order: the viewer looks at the schedule the admin created.
 */
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { REPO_DIR, startBackend } from './support/backend.js'
import { launchBrowser, openPage } from './support/browser.js'

const ADMIN = { username: 'ada', role: 'admin', password: 'correct horse battery' }
const VIEWER = { username: 'vic', role: 'viewer', password: 'just looking 42' }
const SCHEDULE_NAME = 'Audited nightly scrape'
const SHOTS_DIR = join(REPO_DIR, 'docs/screenshots')

let backend
let browser
let adminPage

async function logIn(page, { username, password }) {
  await page.locator('[data-test="login-username"]').fill(username)
  await page.locator('[data-test="login-password"]').fill(password)
  await page.locator('[data-test="login-submit"]').click()
}

async function waitForText(page, locator, expected, timeout = 15_000) {
  const deadline = Date.now() + timeout
  let last = ''
  while (Date.now() < deadline) {
    last = (await locator.textContent().catch(() => '')) || ''
    if (expected instanceof RegExp ? expected.test(last) : last.includes(expected)) return last
    await page.waitForTimeout(100)
  }
  assert.fail(`expected ${expected} in ${JSON.stringify(last)}`)
}

describe('logging in, roles and the audit log', { timeout: 180_000 }, () => {
  before(async () => {
    backend = await startBackend({ users: [ADMIN, VIEWER] })
    browser = await launchBrowser()
    adminPage = await openPage(browser)
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('sends a visitor who is not logged in to the login screen', async () => {
    const page = adminPage
    await page.goto(`${backend.url}/schedules`)
    await page.waitForURL(/\/login\?next=(%2F|\/)schedules$/)
    await page.locator('[data-test="login-submit"]').waitFor()
    assert.equal(await page.locator('.app-nav-bar').count(), 0, 'no navigation bar before logging in')
    assert.equal(await page.title(), 'Log in · tickwork')

    await mkdir(SHOTS_DIR, { recursive: true })
    await page.screenshot({ path: join(SHOTS_DIR, 'login.png') })
    assert.deepEqual(page.errors, [])
  })

  test('says so when the password is wrong', async () => {
    const page = adminPage
    await logIn(page, { username: ADMIN.username, password: 'not the password' })
    await waitForText(page, page.locator('[data-test="login-error"]'), 'Wrong username or password.')
    assert.match(page.url(), /\/login\?next=(%2F|\/)schedules$/)
    assert.equal(await page.locator('[data-test="login-password"]').inputValue(), '')
  })

  test('logs the admin in, who creates a schedule and finds it in the audit log', async () => {
    const page = adminPage
    await logIn(page, ADMIN)
    await page.waitForURL(`${backend.url}/schedules`)
    assert.equal(await page.locator('[data-test="user-name"]').textContent(), 'ada')
    assert.equal(await page.locator('[data-test="user-role"]').textContent(), 'admin')
    await page.locator('.app-nav-bar__link', { hasText: 'Users' }).waitFor()
    await page.locator('.app-nav-bar__link', { hasText: 'Backups' }).waitFor()

    await page.locator('[data-test="empty-state"]').waitFor()
    await page.locator('[data-test="new-schedule"]').click()
    const dialog = page.locator('[role="dialog"]')
    await dialog.locator('[data-test="name-input"]').fill(SCHEDULE_NAME)
    await dialog.locator('[data-test="field-catch_up"]').waitFor()
    await dialog.locator('[data-test="save"]').click()
    const card = page.locator('[data-test="schedule-card"]', { hasText: SCHEDULE_NAME })
    await card.waitFor()
    const scheduleId = await card.getAttribute('data-schedule-id')

    await page.locator('.app-nav-bar__link', { hasText: 'Audit' }).click()
    await page.waitForURL(`${backend.url}/audit`)
    const row = page.locator('[data-test="audit-table"] tbody tr', {
      has: page.locator('[data-action="schedule.create"]'),
    })
    await row.waitFor()
    assert.match(await row.textContent(), /ada/)
    const link = row.locator('[data-test="audit-target-link"]')
    await waitForText(page, link, SCHEDULE_NAME)
    // The time column names the viewer's zone (the browser runs in Europe/Berlin).
    assert.match(await page.locator('[data-test="audit-table"] thead').textContent(), /Time \(Europe\/Berlin\)/)
    assert.match(await row.textContent(), /CES?T/)

    // The server agrees on who did it.
    const admin = await backend.apiAs(ADMIN.username, ADMIN.password)
    const { body } = await admin('GET', `/audit?action=schedule.create&target_id=${scheduleId}`)
    assert.equal(body.total, 1)
    assert.equal(body.items[0].actor, 'ada')

    await link.click()
    await page.waitForURL(`${backend.url}/schedules/${scheduleId}`)
    await waitForText(page, page.locator('[data-test="schedule-title"]'), SCHEDULE_NAME)
    assert.deepEqual(page.errors, [])
  })

  test('shows a viewer nothing that changes a schedule, and the server refuses a write without the CSRF header', async () => {
    const page = await openPage(browser)
    await page.goto(`${backend.url}/schedules`)
    await page.waitForURL(/\/login/)
    await logIn(page, VIEWER)
    await page.waitForURL(`${backend.url}/schedules`)
    assert.equal(await page.locator('[data-test="user-role"]').textContent(), 'viewer')

    const card = page.locator('[data-test="schedule-card"]', { hasText: SCHEDULE_NAME })
    await card.waitFor()
    for (const control of ['run-now', 'edit', 'delete']) {
      assert.equal(await card.locator(`[data-test="${control}"]`).count(), 0, `no ${control} on the card`)
    }
    for (const control of ['new-schedule', 'import', 'from-template', 'pause-scheduler', 'resume-scheduler']) {
      assert.equal(await page.locator(`[data-test="${control}"]`).count(), 0, `no ${control} on the page`)
    }
    assert.equal(await card.locator('[data-test="toggle"].n-switch--disabled').count(), 1, 'the switch only shows the state')
    assert.equal(await page.locator('.app-nav-bar__link', { hasText: 'Users' }).count(), 0)
    assert.equal(await page.locator('.app-nav-bar__link', { hasText: 'Backups' }).count(), 0)

    await card.locator('[data-test="schedule-name"]').click()
    await waitForText(page, page.locator('[data-test="schedule-title"]'), SCHEDULE_NAME)
    for (const control of ['run-now', 'edit', 'delete']) {
      assert.equal(await page.locator(`[data-test="${control}"]`).count(), 0, `no ${control} on the schedule page`)
    }

    // Straight from the page, past the interface: without the header the CSRF check refuses;
    // with it, the role does.
    const answers = await page.evaluate(async () => {
      const pause = (headers) =>
        fetch('/api/v1/scheduler/pause', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: '{}',
        }).then(async (r) => ({ status: r.status, body: await r.json() }))
      const me = await fetch('/api/v1/auth/me').then((r) => r.json())
      return { without: await pause({}), withToken: await pause({ 'X-CSRF-Token': me.csrf_token }) }
    })
    assert.equal(answers.without.status, 403)
    assert.equal(answers.without.body.error, 'forbidden')
    assert.match(answers.without.body.message, /X-CSRF-Token/)
    assert.equal(answers.withToken.status, 403)
    assert.match(answers.withToken.body.message, /needs operator/)
    const admin = await backend.apiAs(ADMIN.username, ADMIN.password)
    assert.equal((await admin('GET', '/schedules/status')).body.paused, false)
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })

  test('logs out back to the login screen', async () => {
    const page = adminPage
    await page.locator('[data-test="user-menu"]').click()
    await page.locator('[data-test="logout"]').click()
    await page.waitForURL(`${backend.url}/login`)
    await page.locator('[data-test="login-submit"]').waitFor()
    assert.equal(await page.evaluate(() => fetch('/api/v1/auth/me').then((r) => r.status)), 401)

    // The session is gone: the pages ask for a login again.
    await page.goto(`${backend.url}/audit`)
    await page.waitForURL(/\/login\?next=(%2F|\/)audit$/)
    assert.deepEqual(page.errors, [])
  })
})

describe('open mode (no users, no token)', { timeout: 60_000 }, () => {
  let openBackend
  let openBrowser
  let page

  before(async () => {
    openBackend = await startBackend()
    openBrowser = await launchBrowser()
    page = await openPage(openBrowser)
  })

  after(async () => {
    await openBrowser?.close()
    await openBackend?.stop()
  })

  test('never shows the login screen, nor a user to log out', async () => {
    await page.goto(`${openBackend.url}/login?next=%2Fschedules`)
    await page.waitForURL(`${openBackend.url}/schedules`)
    await page.locator('[data-test="empty-state"]').waitFor()
    await page.locator('[data-test="new-schedule"]').waitFor()
    assert.equal(await page.locator('[data-test="user-menu"]').count(), 0)
    await page.locator('.app-nav-bar__link', { hasText: 'Users' }).waitFor()
    assert.deepEqual(page.errors, [])
  })

  test('asks for a login as soon as the first user is added', async () => {
    await page.locator('.app-nav-bar__link', { hasText: 'Users' }).click()
    await page.locator('[data-test="open-mode"]').waitFor()
    await page.locator('[data-test="new-username"]').fill('first')
    await page.locator('[data-test="new-password"]').fill('first admin pass')
    await page.locator('[data-test="new-role"]').click()
    await page.locator('.n-base-select-option', { hasText: 'Admin' }).click()
    await page.locator('[data-test="add-user"]').click()

    await page.waitForURL(/\/login\?next=(%2F|\/)users$/)
    await logIn(page, { username: 'first', password: 'first admin pass' })
    await page.waitForURL(`${openBackend.url}/users`)
    await waitForText(page, page.locator('[data-test="user-table"]'), 'first')
    assert.equal(await page.locator('[data-test="user-role"]').textContent(), 'admin')
    assert.deepEqual(page.errors, [])
  })
})
