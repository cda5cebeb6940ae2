/**
 * Screenshots for the docs, from the real page with real data: a few schedules made
 * from the server's templates, some finished runs (one of them over its time limit).
 */
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { REPO_DIR, startBackend } from './support/backend.js'
import { DESKTOP, PHONE, launchBrowser, openPage } from './support/browser.js'

const SHOTS_DIR = join(REPO_DIR, 'docs/screenshots')
let backend
let browser

async function create(body) {
  const { status, body: schedule } = await backend.api('POST', '/schedules', body)
  assert.equal(status, 201, JSON.stringify(schedule))
  return schedule
}

async function fromTemplate(id, extra = {}) {
  const { body } = await backend.api('GET', '/templates')
  const template = body.items.find((t) => t.id === id)
  return create({
    name: template.name,
    description: template.description,
    workflow_type: template.workflow_type,
    parameters: template.parameters,
    cron_schedule: template.cron_schedule,
    ...extra,
  })
}

async function runAndWait(schedules) {
  const runs = []
  for (const schedule of schedules) {
    const { status, body } = await backend.api('POST', `/schedules/${schedule.id}/run`)
    assert.equal(status, 202)
    runs.push(body)
  }
  const deadline = Date.now() + 90_000
  for (const run of runs) {
    for (;;) {
      const { body } = await backend.api('GET', `/runs/${run.id}`)
      if (!['queued', 'running'].includes(body.status)) break
      assert.ok(Date.now() < deadline, `run ${run.id} did not finish`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
}

describe('screenshots', { timeout: 180_000 }, () => {
  before(async () => {
    backend = await startBackend()
    browser = await launchBrowser()
    await mkdir(SHOTS_DIR, { recursive: true })

    const weekday = await fromTemplate('weekday_hourly', {
      parameters: { number: 5, regions: ['germany', 'austria'] },
      group: 'Scraping',
      tags: ['dach', 'hourly'],
    })
    const weekend = await fromTemplate('weekend_3x', { group: 'Scraping', tags: ['weekend'] })
    const evaluation = await fromTemplate('daily_evaluation', { group: 'Evaluation', tags: ['nightly', 'team:data'] })
    const cleanup = await fromTemplate('weekly_cleanup', { tags: ['maintenance'] })
    const generate = await create({
      name: 'Applications for New York office',
      description: 'Generate applications above a 0.8 score on New York mornings',
      workflow_type: 'generate',
      parameters: { threshold: 0.8 },
      cron_schedule: '30 9 * * 1-5',
      timezone: 'America/New_York',
      group: 'Applications',
      tags: ['us', 'team:sales'],
    })
    const strict = await create({
      name: 'Quick scrape, 2 s budget',
      description: 'Scrapes three regions but may take two seconds at most',
      workflow_type: 'main',
      parameters: { number: 3, regions: ['france', 'italy', 'spain'] },
      cron_schedule: '*/30 8-18 * * 1-5',
      timeout_seconds: 2,
      group: 'Scraping',
      tags: ['eu'],
    })
    await runAndWait([weekday, evaluation, generate, strict])
    await runAndWait([weekday, strict])
    await runAndWait([weekday])
    assert.equal((await backend.api('POST', `/schedules/${cleanup.id}/toggle`, { enabled: false })).status, 200)
    assert.ok(weekend.id)
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('dashboard at 1280x800', async () => {
    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/`)
    await page.locator('[data-test="upcoming"] li').first().waitFor()
    await page.locator('[data-test="recent-failures"] li').first().waitFor()
    await page.locator('[data-test="quick-switches"] li').nth(5).waitFor()
    await page.screenshot({ path: join(SHOTS_DIR, 'dashboard.png') })
    assert.deepEqual(page.errors, [])
  })

  test('dashboard at 1280x800, dark', async () => {
    const page = await openPage(browser, DESKTOP, { colorScheme: 'dark' })
    await page.goto(`${backend.url}/`)
    await page.locator('[data-test="upcoming"] li').first().waitFor()
    await page.locator('[data-test="recent-failures"] li').first().waitFor()
    await page.locator('[data-test="quick-switches"] li').nth(5).waitFor()
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark')
    await page.screenshot({ path: join(SHOTS_DIR, 'dashboard-dark.png') })
    assert.deepEqual(page.errors, [])
  })

  test('schedule manager at 1280x800', async () => {
    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/schedules`)
    await page.locator('[data-test="schedule-card"]').nth(5).waitFor()
    await page.locator('[data-test="run-pill"][data-status="timeout"]').first().waitFor()
    await page.screenshot({ path: join(SHOTS_DIR, 'schedule-manager.png') })
    assert.deepEqual(page.errors, [])
  })

  test('schedule manager at 1280x800, dark', async () => {
    const page = await openPage(browser, DESKTOP, { colorScheme: 'dark' })
    await page.goto(`${backend.url}/schedules`)
    await page.locator('[data-test="schedule-card"]').nth(5).waitFor()
    await page.locator('[data-test="run-pill"][data-status="timeout"]').first().waitFor()
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark')
    await page.screenshot({ path: join(SHOTS_DIR, 'schedules-dark.png') })
    assert.deepEqual(page.errors, [])
  })

  test('schedule manager at phone width', async () => {
    const page = await openPage(browser, PHONE)
    await page.goto(`${backend.url}/schedules`)
    await page.locator('[data-test="schedule-card"]').first().waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.equal(overflow, 0, 'nothing sticks out sideways')
    await page.screenshot({ path: join(SHOTS_DIR, 'schedule-manager-phone.png') })
    assert.deepEqual(page.errors, [])
  })

  test('schedule table at 1280x800, two rows picked for a bulk action', async () => {
    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/schedules?view=table&sort=group`)
    await page.locator('[data-test="schedule-row"]').nth(5).waitFor()
    await page.getByRole('checkbox', { name: 'Select “Weekday hourly”' }).click()
    await page.getByRole('checkbox', { name: 'Select “Quick scrape, 2 s budget”' }).click()
    await page.locator('[data-test="bulk-bar"]').waitFor()
    await page.mouse.move(0, 0)
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.waitForTimeout(400) // the last checkbox's tick is drawn in a short transition
    await page.screenshot({ path: join(SHOTS_DIR, 'schedules-table.png') })
    assert.deepEqual(page.errors, [])
  })
})
