/**
 * The statistics against a real server with real runs: a schedule's performance charts, the
 * dashboard's runs per hour, and the Reports page with its CSV download.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { FRONTEND_DIR, REPO_DIR, startBackend } from './support/backend.js'
import { DESKTOP, PHONE, launchBrowser, openPage } from './support/browser.js'

const SHOTS_DIR = join(REPO_DIR, 'docs/screenshots')
const CSV_HEADER =
  'kind,group,schedule_id,schedule,runs,failures,success_rate,duration_total,duration_p95,' +
  'cpu_seconds_total,peak_memory_max,runs_previous,failures_previous,success_rate_previous,duration_p95_previous'

// [seconds, exit code] of each run: the export fails three times out of twelve.
const EXPORT_RUNS = [
  [0.2, 0], [0.5, 0], [0.3, 1], [0.8, 0], [0.4, 0], [1.2, 0],
  [0.3, 2], [0.6, 0], [0.2, 0], [0.9, 0], [0.4, 1], [0.5, 0],
]
const WARM_RUNS = [[0.1, 0], [0.2, 0], [0.1, 0], [0.3, 0]]

let backend
let browser
let exportSchedule

async function waitForRuns(scheduleId, count) {
  const deadline = Date.now() + 60_000
  for (;;) {
    const { body } = await backend.api('GET', `/schedules/${scheduleId}/runs?page_size=200`)
    const ended = body.items.filter((r) => !['queued', 'running'].includes(r.status))
    if (ended.length >= count) return ended
    assert.ok(Date.now() < deadline, `${ended.length} of ${count} runs of ${scheduleId} ended`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** A schedule of the work job in `group`, and its runs, one after another, each to its end. */
async function scheduleWithRuns(name, group, runs) {
  const { status, body: schedule } = await backend.api('POST', '/schedules', {
    name,
    group,
    workflow_type: 'work',
    cron_schedule: '0 3 1 1 *',
  })
  assert.equal(status, 201, JSON.stringify(schedule))
  for (const [index, [seconds, code]] of runs.entries()) {
    const run = await backend.api('POST', `/schedules/${schedule.id}/run`, { parameters: { custom_args: [String(seconds), String(code)] } })
    assert.equal(run.status, 202, JSON.stringify(run.body))
    await waitForRuns(schedule.id, index + 1)
  }
  return schedule
}

/** The number of points a chart says it draws, once the chart and its SVG are there. */
async function drawn(page, test) {
  const chart = page.locator(`[data-test="${test}"]`)
  await chart.locator('svg').first().waitFor()
  return Number(await chart.getAttribute('data-points'))
}

describe('insight', { timeout: 180_000 }, () => {
  before(async () => {
    backend = await startBackend({ workflows: join(FRONTEND_DIR, 'e2e/support/insight-workflows.toml') })
    browser = await launchBrowser()
    exportSchedule = await scheduleWithRuns('Nightly export', 'reporting', EXPORT_RUNS)
    await scheduleWithRuns('Cache warm-up', 'web', WARM_RUNS)
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test("a schedule's page draws each run's duration under its p95 line, and its days", async () => {
    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/schedules/${exportSchedule.id}`)
    assert.equal(await drawn(page, 'duration-chart'), EXPORT_RUNS.length)
    const chart = page.locator('[data-test="duration-chart"]')
    // Twelve symbols (circles for successes, triangles for failures) and the dashed p95 line.
    assert.ok((await chart.locator('svg path').count()) >= EXPORT_RUNS.length, 'a symbol per run')
    assert.match(await chart.locator('svg').textContent(), /p95/)
    assert.match(await chart.getAttribute('aria-label'), /12 runs, 3 failed/)
    assert.equal((await page.locator('[data-test="stats-runs"] dd').textContent()).trim(), '12')
    assert.equal((await page.locator('[data-test="stats-success-rate"] dd').textContent()).trim(), '75 %')
    assert.match(await page.locator('[data-test="stats-p95"] dd').textContent(), /s$/)
    assert.equal(await drawn(page, 'calendar-chart'), 1) // all the runs were today
    assert.match(await page.locator('[data-test="calendar-chart"]').getAttribute('aria-label'), /runs on 1 days, failures on 1/)

    await page.locator('[data-test="stats-window-30d"]').click()
    await page.waitForFunction(() => /30 days/.test(document.querySelector('[data-test="duration-chart"]')?.getAttribute('aria-label') ?? ''))
    await page.locator('[data-test="schedule-performance"]').scrollIntoViewIfNeeded()
    await page.locator('[data-test="schedule-performance"]').screenshot({ path: join(SHOTS_DIR, 'schedule-performance.png') })
    assert.deepEqual(page.errors, [])
  })

  test('the schedule list shows the success rate and p95 of the last 7 days', async () => {
    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/schedules?view=table`)
    const row = page.locator('[data-test="schedule-row"]', { hasText: 'Nightly export' })
    assert.equal((await row.locator('[data-test="success-rate-7d"]').textContent()).trim(), '75 %')
    assert.match(await row.locator('[data-test="duration-p95"]').textContent(), /\d s/)
    await page.goto(`${backend.url}/schedules`)
    const card = page.locator('[data-test="schedule-card"]', { hasText: 'Cache warm-up' })
    assert.equal((await card.locator('[data-test="success-rate-7d"]').textContent()).trim(), '100 %')
    assert.deepEqual(page.errors, [])
  })

  test("the dashboard stacks the last day's runs by hour and outcome", async () => {
    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/`)
    assert.equal(await drawn(page, 'dashboard-runs-chart'), 24)
    const chart = page.locator('[data-test="dashboard-runs-chart"]')
    assert.match(await chart.getAttribute('aria-label'), /16 runs, 3 failed/)
    assert.ok((await chart.locator('svg path').count()) >= 2, 'the bars of this hour are drawn')
    await page.locator('[data-test="dashboard-runs"]').screenshot({ path: join(SHOTS_DIR, 'dashboard-runs.png') })
    assert.deepEqual(page.errors, [])
  })

  test('Reports shows a week per group and schedule, and downloads it as CSV', async () => {
    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/`)
    await page.locator('nav[aria-label="Main"] >> text=Reports').click()
    await page.locator('[data-test="report-period-day"]').click()
    await page.waitForURL(/period=day/)
    await page.locator('[data-test="report-period-week"]').click()
    await page.waitForURL((url) => !url.search.includes('period='))
    await page.locator('[data-test="report-figures"]').waitFor()
    assert.equal((await page.locator('[data-test="report-runs"] dd').first().textContent()).trim(), '16')
    assert.equal((await page.locator('[data-test="report-failures"] dd').first().textContent()).trim(), '3')
    // The week before had no runs: more runs, more failures, which the page says in words too.
    assert.match(await page.locator('[data-test="report-failures"] [data-test="change"]').textContent(), /▲ \+3, worse/)
    const exportRow = page.locator('[data-test="report-schedule-row"]', { hasText: 'Nightly export' })
    const cells = (await exportRow.locator('td').allTextContents()).map((t) => t.trim())
    assert.equal(cells[1], 'reporting')
    assert.match(cells[2], /^12/)
    assert.match(cells[3], /^3/)
    assert.match(cells[4], /^75 %/)
    assert.equal(await page.locator('[data-test="report-group-row"]').count(), 2)
    // Sorted by failures one way and the other: the export leads one of them, the warm-up the other.
    const header = page.locator('[data-test="report-schedules"] th', { hasText: 'Failures' })
    const firstRow = () => page.locator('[data-test="report-schedule-row"]').first().locator('td').first().textContent()
    await header.click()
    const one = await firstRow()
    await header.click()
    const other = await firstRow()
    assert.deepEqual([one, other].sort(), ['Cache warm-up', 'Nightly export'])
    assert.equal(await page.locator('[data-test="slow-run-link"]').count(), EXPORT_RUNS.length + WARM_RUNS.length > 10 ? 10 : 0)
    await page.screenshot({ path: join(SHOTS_DIR, 'reports.png'), fullPage: true })

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="download-csv"]').click()])
    const text = await new Promise((resolveText, reject) => {
      download.createReadStream().then((stream) => {
        let body = ''
        stream.on('data', (chunk) => (body += chunk))
        stream.on('end', () => resolveText(body))
        stream.on('error', reject)
      }, reject)
    })
    const lines = text.trim().split(/\r?\n/)
    assert.equal(lines[0], CSV_HEADER)
    assert.ok(lines.some((l) => l.includes('Nightly export') && l.includes(',12,3,')), lines.join('\n'))
    const json = await page.evaluate(async () => {
      const href = document.querySelector('[data-test="download-json"]').getAttribute('href')
      const response = await fetch(href)
      return response.json()
    })
    assert.equal(json.all.runs, 16)
    assert.deepEqual(page.errors, [])
  })

  test('a period the server cannot answer is said in its words', async () => {
    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/reports?from=2026-12-04&to=2026-01-01`)
    const alert = page.locator('[data-test="report-error"]')
    await alert.waitFor()
    assert.ok((await alert.textContent()).length > 20)
    assert.deepEqual(page.errors, [])
  })

  test('on a phone the charts fit the screen and the tables scroll', async () => {
    const page = await openPage(browser, PHONE)
    await page.goto(`${backend.url}/schedules/${exportSchedule.id}`)
    await drawn(page, 'duration-chart')
    const box = await page.locator('[data-test="duration-chart"]').boundingBox()
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width, JSON.stringify(box))
    let overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `the schedule page is ${overflow}px wider than the screen`)
    await page.locator('[data-test="schedule-performance"]').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SHOTS_DIR, 'schedule-performance-phone.png') })

    await page.goto(`${backend.url}/reports`)
    await page.locator('[data-test="report-schedule-row"]').first().waitFor()
    overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `the reports page is ${overflow}px wider than the screen`)
    await page.screenshot({ path: join(SHOTS_DIR, 'reports-phone.png') })
    assert.deepEqual(page.errors, [])
  })
})
