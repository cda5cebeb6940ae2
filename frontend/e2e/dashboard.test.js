/** The dashboard against a real server that allows one run at a time: a second run waits for the slot. */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { FRONTEND_DIR, REPO_DIR, startBackend } from './support/backend.js'
import { DESKTOP, PHONE, launchBrowser, openPage } from './support/browser.js'

const SHOTS_DIR = join(REPO_DIR, 'docs/screenshots')
let backend
let browser
const runs = []

async function waitForStatus(runId, status) {
  const deadline = Date.now() + 20_000
  for (;;) {
    const { body } = await backend.api('GET', `/runs/${runId}`)
    if (body.status === status) return body
    assert.ok(Date.now() < deadline, `run ${runId} is ${body.status}, not ${status}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('dashboard', { timeout: 90_000 }, () => {
  before(async () => {
    backend = await startBackend({ workflows: join(FRONTEND_DIR, 'e2e/support/sleep-workflows.toml'), maxConcurrentRuns: 1 })
    browser = await launchBrowser()
    // Two schedules: one schedule's second run would meet its overlap policy, not the limit.
    for (const name of ['Nightly sleeper', 'Morning sleeper']) {
      const { status, body: schedule } = await backend.api('POST', '/schedules', {
        name,
        workflow_type: 'sleeper',
        cron_schedule: '0 3 * * *',
      })
      assert.equal(status, 201, JSON.stringify(schedule))
      runs.push((await backend.api('POST', `/schedules/${schedule.id}/run`)).body)
      if (runs.length === 1) await waitForStatus(runs[0].id, 'running')
    }
    await waitForStatus(runs[0].id, 'running')
  })

  after(async () => {
    for (const run of runs) await backend?.api('POST', `/runs/${run.id}/cancel`).catch(() => null)
    await browser?.close()
    await backend?.stop()
  })

  test('a run held back by the limit is listed as waiting, beside the one running', async () => {
    const { body: status } = await backend.api('GET', '/schedules/status')
    assert.deepEqual(status.running_runs.map((r) => r.id), [runs[0].id])
    assert.deepEqual(status.queued_runs.map((r) => r.id), [runs[1].id])

    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/`)
    const running = page.locator('[data-test="running-runs"] li')
    const waiting = page.locator('[data-test="queued-runs"] [data-test="queued-run"]')
    // The two lists render from the same answer, but not in the same tick: wait for both.
    await waiting.first().waitFor()
    await running.first().waitFor()
    assert.equal(await running.count(), 1)
    assert.match(await running.first().textContent(), new RegExp(`Nightly sleeper #${runs[0].id}`))
    assert.equal(await waiting.count(), 1)
    assert.match(await waiting.first().textContent(), new RegExp(`Morning sleeper #${runs[1].id} queued \\d\\d:\\d\\d:\\d\\d · waiting \\d+ s`))
    assert.match(await page.locator('[data-test="queued-runs"]').textContent(), /1 run at a time/)
    assert.ok(!(await page.locator('.dashboard').textContent()).includes('null'))
    await page.screenshot({ path: join(SHOTS_DIR, 'dashboard-queued.png') })

    // Its start moves it from one list to the other.
    await backend.api('POST', `/runs/${runs[0].id}/cancel`)
    await waitForStatus(runs[1].id, 'running')
    await page.locator('[data-test="queued-runs"]').getByText('No run is waiting.').waitFor()
    await running.filter({ hasText: `#${runs[1].id}` }).waitFor()
    assert.deepEqual(page.errors, [])
  })

  test('at phone width the two lists stack and fit', async () => {
    const page = await openPage(browser, PHONE)
    await page.goto(`${backend.url}/`)
    await page.locator('[data-test="running-runs"] li').first().waitFor()
    const [a, b] = await Promise.all(
      ['running-runs', 'queued-runs'].map((t) => page.locator(`[data-test="${t}"]`).boundingBox()),
    )
    assert.ok(b.y >= a.y + a.height, 'waiting list below the running one')
    assert.ok(a.x + a.width <= PHONE.width && b.x + b.width <= PHONE.width)
    assert.deepEqual(page.errors, [])
  })

  test('a failing schedule is listed first, with its reason', async () => {
    for (const run of runs) await backend.api('POST', `/runs/${run.id}/cancel`).catch(() => null)
    const { status, body: broken } = await backend.api('POST', '/schedules', {
      name: 'Broken export',
      workflow_type: 'failer',
      cron_schedule: '0 3 * * *',
    })
    assert.equal(status, 201, JSON.stringify(broken))
    let last
    for (let i = 0; i < 2; i++) {
      const { body: run } = await backend.api('POST', `/schedules/${broken.id}/run`)
      last = await waitForStatus(run.id, 'failed')
    }
    const reason = `2 runs in a row failed; the last, run #${last.id}, failed`
    const { body: one } = await backend.api('GET', `/schedules/${broken.id}`)
    assert.deepEqual([one.health.state, one.health.reason], ['failing', reason])

    const page = await openPage(browser, DESKTOP)
    await page.goto(`${backend.url}/`)
    const attention = page.locator('[data-test="unhealthy-schedules"]')
    const first = attention.locator('[data-test="unhealthy-schedule"]').first()
    await first.waitFor()
    assert.equal(await attention.locator('[data-test="unhealthy-schedule"]').count(), 1)
    assert.match(await first.textContent(), /Broken export/)
    assert.match(await first.textContent(), /Failing/)
    assert.equal(await first.locator('[data-test="health-reason"]').textContent(), reason)
    // First on the page: above the scheduling widget and the run lists.
    const [top, widget] = await Promise.all(
      [attention, page.locator('[data-test="schedule-widget"]')].map((l) => l.boundingBox()),
    )
    assert.ok(top.y + top.height <= widget.y, 'the schedules needing attention come first')
    const switches = page.locator('[data-test="quick-switches"] li')
    assert.match(await switches.first().textContent(), /Broken export\s*⚠ Failing/)
    await page.screenshot({ path: join(SHOTS_DIR, 'dashboard-attention.png') })
    assert.deepEqual(page.errors, [])
  })
})
