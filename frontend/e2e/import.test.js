/** A refused import against the real server: every problem listed at its schedule and field. */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { REPO_DIR, startBackend } from './support/backend.js'
import { PHONE, launchBrowser, openPage } from './support/browser.js'

const SHOTS_DIR = join(REPO_DIR, 'docs/screenshots')
// The review read the panel on a 1366 px laptop screen.
const LAPTOP = { width: 1366, height: 768 }
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

    const page = await openPage(browser, LAPTOP)
    await importBadFile(page)
    const panel = page.locator('.schedule-manager [data-test="import-failed"]')
    const problems = panel.locator('[data-test="import-problem"]')
    assert.equal(await problems.count(), body.errors.length)
    const texts = await problems.allTextContents()
    assert.ok(texts.some((t) => t.startsWith('Schedule 2 “Nightly export” (index 1), time zone')), texts.join('\n'))
    assert.ok(texts.some((t) => t.startsWith('Schedule 2 “Nightly export” (index 1), timeout')), texts.join('\n'))
    assert.ok(texts.some((t) => t.startsWith('Schedule 3 (index 2), name')), texts.join('\n'))
    assert.ok(!texts.join('\n').includes('String should have'), 'no validator wording')
    assert.equal(await page.locator('.n-notification').count(), 0, 'not a toast')
    await assertInsideViewport(page, panel)
    await page.screenshot({ path: join(SHOTS_DIR, 'import-failed.png') })

    // Dismissed, it is gone; the page is as before.
    await panel.locator('.n-alert__close').click()
    await panel.waitFor({ state: 'detached' })
    await page.locator('[data-test="empty-state"]').waitFor()
    assert.deepEqual(page.errors, [])
  })

  test('on a phone the problems fit the screen and read in full', async () => {
    const page = await openPage(browser, PHONE)
    await importBadFile(page)
    const panel = page.locator('.schedule-manager [data-test="import-failed"]')
    await assertInsideViewport(page, panel)
    // No problem's text runs out of the panel.
    const overflowing = await panel.evaluate((el) => {
      const box = el.getBoundingClientRect()
      return [...el.querySelectorAll('[data-test="import-problem"]')]
        .filter((li) => li.getBoundingClientRect().right > box.right + 0.5 || li.scrollWidth > li.clientWidth + 1)
        .map((li) => li.textContent)
    })
    assert.deepEqual(overflowing, [])
    await page.screenshot({ path: join(SHOTS_DIR, 'import-failed-phone.png') })
    assert.deepEqual(page.errors, [])
  })

  test('a long list of problems scrolls inside the panel, which stays within the screen', async () => {
    const many = {
      version: 1,
      schedules: Array.from({ length: 40 }, (_, i) => ({ name: `Bad ${i + 1}`, workflow_type: 'main', cron_schedule: '61 * * * *' })),
    }
    const page = await openPage(browser, PHONE)
    await importBadFile(page, many)
    const list = page.locator('[data-test="import-failed"] ul')
    assert.equal(await list.locator('[data-test="import-problem"]').count(), 40)
    const { scrollHeight, clientHeight } = await list.evaluate((el) => ({ scrollHeight: el.scrollHeight, clientHeight: el.clientHeight }))
    assert.ok(scrollHeight > clientHeight, 'the list scrolls')
    const box = await page.locator('[data-test="import-failed"]').boundingBox()
    assert.ok(box.height <= PHONE.height, `panel ${box.height} px high on a ${PHONE.height} px screen`)
    // The last problem can be scrolled to and read.
    await list.locator('[data-test="import-problem"]').last().scrollIntoViewIfNeeded()
    assert.ok(await list.locator('[data-test="import-problem"]').last().isVisible())
    assert.deepEqual(page.errors, [])
  })
})

async function importBadFile(page, file = BAD_FILE) {
  await page.goto(`${backend.url}/schedules`)
  await page.locator('[data-test="empty-state"]').waitFor()
  await page.locator('[data-test="import-file"]').setInputFiles({
    name: 'schedules.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(file)),
  })
  await page.locator('.schedule-manager [data-test="import-failed"] [data-test="import-problem"]').first().waitFor()
  await settled(page)
}

/** Every animation and transition on the page has finished (none mid-way in a screenshot). */
async function settled(page) {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
}

async function assertInsideViewport(page, locator) {
  const box = await locator.boundingBox()
  const { width } = page.viewportSize()
  assert.ok(box && box.x >= 0 && box.x + box.width <= width, `panel inside the ${width} px viewport: ${JSON.stringify(box)}`)
}
