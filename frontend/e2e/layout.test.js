/**
 * Layout at the widths people use (390, 1366, 1920 px): the cron builder's fields keep
 * their chips inside themselves and inside the dialog, and a long unbroken name never
 * widens the page.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { REPO_DIR, startBackend } from './support/backend.js'
import { launchBrowser, openPage } from './support/browser.js'

const SHOTS_DIR = join(REPO_DIR, 'docs/screenshots')
const LONG_NAME = `Nightly${'_export'.repeat(27)}`
let backend
let browser
const created = {}

async function create(body) {
  const { status, body: schedule } = await backend.api('POST', '/schedules', body)
  assert.equal(status, 201, JSON.stringify(schedule))
  return schedule
}

/** Every chip of every cron field lies inside its field, and every field inside the dialog. */
async function assertPickersContained(page) {
  const boxes = await page.evaluate(() => {
    const dialog = document.querySelector('[role="dialog"]').getBoundingClientRect()
    return [...document.querySelectorAll('[data-test^="picker-box-"]')].map((box) => {
      const outer = box.getBoundingClientRect()
      const chips = [...box.querySelectorAll('.n-tag')]
        .filter((chip) => chip.offsetParent !== null && getComputedStyle(chip).opacity !== '0')
        .map((chip) => chip.getBoundingClientRect())
        .filter((r) => r.width > 0)
      return {
        key: box.dataset.test,
        outer: { left: outer.left, right: outer.right },
        chips: chips.map((r) => ({ left: r.left, right: r.right, text: '' })),
        dialog: { left: dialog.left, right: dialog.right },
      }
    })
  })
  assert.equal(boxes.length, 5)
  for (const { key, outer, chips, dialog } of boxes) {
    assert.ok(outer.left >= dialog.left - 0.5 && outer.right <= dialog.right + 0.5, `${key} inside the dialog`)
    for (const chip of chips) {
      assert.ok(chip.left >= outer.left - 0.5 && chip.right <= outer.right + 0.5, `${key}: a chip sticks out`)
    }
  }
  // Fields do not overlap each other.
  const rows = boxes.map((b) => b.outer)
  for (let i = 1; i < rows.length; i += 1) {
    const sameRow = rows[i].left > rows[i - 1].left
    if (sameRow) assert.ok(rows[i].left >= rows[i - 1].right - 0.5, `${boxes[i].key} overlaps the field before it`)
  }
}

async function openEditor(page, name) {
  await page.goto(`${backend.url}/schedules`)
  await page.locator('[data-test="schedule-card"]', { hasText: name }).locator('[data-test="edit"]').click()
  await page.locator('[data-test="picker-box-hour"] .n-tag').first().waitFor({ state: 'attached' })
  await page.waitForTimeout(400) // the responsive chip count settles after the first layout
}

describe('layout', { timeout: 180_000 }, () => {
  before(async () => {
    backend = await startBackend()
    browser = await launchBrowser()
    created.weekend = await create({
      name: 'Weekend three times',
      workflow_type: 'main',
      cron_schedule: '0 9,15,21 * * 6,0',
    })
    created.weekday = await create({
      name: 'Weekday hourly',
      workflow_type: 'main',
      cron_schedule: '0 8-23 * * 1-5',
    })
    created.long = await create({
      name: LONG_NAME,
      description: `Exports ${'everything_without_a_space_'.repeat(20)}`,
      workflow_type: 'main',
      cron_schedule: '* * * * *',
    })
    await backend.api('POST', `/schedules/${created.long.id}/run`)
    created.newYork = await create({
      name: 'New York mornings',
      workflow_type: 'main',
      cron_schedule: '30 9 * * 1-5',
      timezone: 'America/New_York',
    })
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  for (const width of [390, 1366, 1920]) {
    test(`cron builder fields keep their chips at ${width} px`, async () => {
      const page = await openPage(browser, { width, height: 1000 })
      for (const name of ['Weekend three times', 'Weekday hourly']) {
        await openEditor(page, name)
        await assertPickersContained(page)
      }
      if (width !== 1366) {
        await page.locator('[data-test="picker-box-hour"]').evaluate((el) => el.scrollIntoView({ block: 'center' }))
        await page.screenshot({ path: join(SHOTS_DIR, `cron-builder-${width}.png`) })
      }
      assert.deepEqual(page.errors, [])
    })
  }

  test('clicking the × on a chip removes that hour, not another field', async () => {
    const page = await openPage(browser, { width: 1920, height: 1000 })
    await openEditor(page, 'Weekend three times')
    const hour = page.locator('[data-test="picker-box-hour"]')
    const chip = hour.locator('.n-tag', { hasText: '21h' })
    // Three hours fit in the field at this width: all shown, none under another field.
    assert.ok(await chip.isVisible(), '21h is shown')
    await chip.locator('.n-tag__close, .n-base-close').click()
    assert.equal(await page.locator('[data-test="cron-input"]').inputValue(), '0 9,15 * * 6,0')
    assert.equal(await page.locator('.n-base-select-menu').count(), 0, 'no field list opened')
    assert.deepEqual(page.errors, [])
  })

  test('a next run\'s zone ("GMT-5") never breaks over two lines', async () => {
    const page = await openPage(browser, { width: 1240, height: 900 })
    await page.goto(`${backend.url}/schedules`)
    const zone = page.locator('[data-test="schedule-card"]', { hasText: 'New York mornings' }).locator('[data-test="next-run-zone"]')
    await zone.waitFor()
    assert.match(await zone.textContent(), /^(GMT-[45]|EST|EDT)$/)
    // Card widths change with the window: at some of them the line wraps right at the zone.
    const broken = []
    for (let width = 1240; width <= 1440; width += 8) {
      await page.setViewportSize({ width, height: 900 })
      const lines = await zone.evaluate((el) => new Set([...el.getClientRects()].map((r) => Math.round(r.top))).size)
      if (lines > 1) broken.push(width)
    }
    assert.deepEqual(broken, [], `zone split over lines at ${broken.join(', ')} px`)
    assert.deepEqual(page.errors, [])
  })

  for (const width of [1366, 390]) {
    test(`a long unbroken name does not widen the page at ${width} px`, async () => {
      const page = await openPage(browser, { width, height: 900 })
      const paths = ['/', '/schedules', `/schedules/${created.long.id}`]
      const { body } = await backend.api('GET', `/schedules/${created.long.id}/runs`)
      if (body.items[0]) paths.push(`/runs/${body.items[0].id}`)
      for (const path of paths) {
        await page.goto(`${backend.url}${path}`)
        await page.getByText(LONG_NAME.slice(0, 30)).first().waitFor()
        await page.waitForTimeout(200)
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth)
        assert.ok(scrollWidth <= width, `${path}: scrollWidth ${scrollWidth} > ${width}`)
      }
      assert.deepEqual(page.errors, [])
    })
  }
})
