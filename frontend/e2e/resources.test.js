/** A running job's resource chart on its run page, against a real server sampling a real process. */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { FRONTEND_DIR, REPO_DIR, startBackend } from './support/backend.js'
import { DESKTOP, PHONE, launchBrowser, openPage } from './support/browser.js'

const SHOTS_DIR = join(REPO_DIR, 'docs/screenshots')
let backend
let browser
let run

async function waitForStatus(runId, status) {
  const deadline = Date.now() + 20_000
  for (;;) {
    const { body } = await backend.api('GET', `/runs/${runId}`)
    if (body.status === status) return body
    assert.ok(Date.now() < deadline, `run ${runId} is ${body.status}, not ${status}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** The number of samples the chart draws (its data-points), once it draws any. */
async function chartPoints(page) {
  const chart = page.locator('[data-test="resources-chart"]')
  await chart.waitFor()
  return Number(await chart.getAttribute('data-points'))
}

describe('run resources', { timeout: 120_000 }, () => {
  before(async () => {
    // Samples twice a second, so the chart grows within the test's patience (default: 2 s).
    process.env.TICKWORK_RESOURCE_SAMPLE_SECONDS = '0.5'
    backend = await startBackend({ workflows: join(FRONTEND_DIR, 'e2e/support/resources-workflows.toml') })
    delete process.env.TICKWORK_RESOURCE_SAMPLE_SECONDS
    browser = await launchBrowser()
    const { status, body: schedule } = await backend.api('POST', '/schedules', {
      name: 'Memory hog',
      workflow_type: 'hog',
      cron_schedule: '0 3 * * *',
    })
    assert.equal(status, 201, JSON.stringify(schedule))
    run = (await backend.api('POST', `/schedules/${schedule.id}/run`)).body
    await waitForStatus(run.id, 'running')
  })

  after(async () => {
    if (run) await backend?.api('POST', `/runs/${run.id}/cancel`).catch(() => null)
    await browser?.close()
    await backend?.stop()
  })

  test('the live chart of a running job gains points, then shows the whole run once it ended', async () => {
    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/runs/${run.id}`)
    await page.locator('[data-test="resources-live"]').waitFor()
    const first = await chartPoints(page)
    assert.ok(first >= 1, `the chart draws ${first} points`)
    // The page reads the samples again every few seconds while the run goes: more points come.
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-test="resources-chart"]')?.getAttribute('data-points')) > n,
      first,
      { timeout: 30_000 },
    )
    const lines = page.locator('[data-test="resources-chart"] svg path')
    assert.ok((await lines.count()) >= 3, 'the CPU, memory and process lines are drawn')
    // Enough of a run for a chart with a shape (memory steps, CPU bursts), for the screenshot.
    await page.waitForFunction(
      () => Number(document.querySelector('[data-test="resources-chart"]')?.getAttribute('data-points')) >= 24,
      null,
      { timeout: 30_000 },
    )
    const peak = await page.locator('[data-test="resources-memory-peak"] dd').textContent()
    assert.match(peak, /MB/)
    await page.locator('[data-test="run-resources"]').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SHOTS_DIR, 'run-resources.png') })

    const before = await chartPoints(page)
    await backend.api('POST', `/runs/${run.id}/cancel`)
    await page.locator('[data-test="resources-live"]').waitFor({ state: 'detached' })
    assert.ok((await chartPoints(page)) >= before, 'the ended run keeps its whole series')
    const mean = await page.locator('[data-test="resources-cpu-mean"] dd').textContent()
    assert.match(mean, /%/)
    assert.deepEqual(page.errors, [])
  })

  test('on a phone, in the dark theme, the chart fits the screen and draws its labels light', async () => {
    const page = await openPage(browser, PHONE, { colorScheme: 'dark' })
    await page.goto(`${backend.url}/runs/${run.id}`)
    await chartPoints(page)
    // An axis label's fill: the dark theme's text colour, not the light theme's slate on a dark card.
    const labelLuminance = await page.locator('[data-test="resources-chart"] svg text').first().evaluate((el) => {
      const [r, g, b] = getComputedStyle(el).fill.match(/\d+/g).map(Number)
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
    })
    assert.ok(labelLuminance > 0.5, `the chart's labels have luminance ${labelLuminance}`)
    if (process.env.RESOURCES_DARK_SCREENSHOT) {
      await page.locator('[data-test="run-resources"]').scrollIntoViewIfNeeded()
      await page.screenshot({ path: process.env.RESOURCES_DARK_SCREENSHOT })
    }
    const box = await page.locator('[data-test="resources-chart"]').boundingBox()
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width, JSON.stringify(box))
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`)
    assert.deepEqual(page.errors, [])
  })
})
