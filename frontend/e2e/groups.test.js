/**
 * Groups, tags, the table view, bulk actions and clone against a real tickwork server in
 * headless Chromium. The tests run in order and build on each other's schedules.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startBackend } from './support/backend.js'
import { launchBrowser, openPage } from './support/browser.js'

let backend
let browser
let page

// Once a year: nothing fires while the tests look at the schedules.
const YEARLY = '0 3 1 1 *'
const SCHEDULES = [
  { name: 'Extract', group: 'ETL', tags: ['nightly', 'team:data'] },
  { name: 'Transform', group: 'ETL', tags: ['nightly'] },
  { name: 'Load', group: 'ETL', tags: [] },
  { name: 'Monthly report', group: 'Reports', tags: ['monthly'] },
  { name: 'Weekly report', group: null, tags: [] },
]

const row = (name) => page.locator('[data-test="schedule-row"]', { has: page.getByRole('link', { name, exact: true }) })
const card = (name) =>
  page.locator('[data-test="schedule-card"]', { has: page.getByRole('link', { name, exact: true }) })
const dialog = () => page.locator('[role="dialog"]')

async function scheduleByName(name) {
  const { body } = await backend.api('GET', `/schedules?q=${encodeURIComponent(name)}`)
  return body.items.find((s) => s.name === name)
}

async function waitFor(check, what, timeout = 15_000) {
  const deadline = Date.now() + timeout
  while (Date.now() < deadline) {
    if (await check()) return
    await page.waitForTimeout(100)
  }
  assert.fail(`timed out waiting for ${what}`)
}

describe('groups, tags, table and bulk actions', { timeout: 180_000 }, () => {
  before(async () => {
    backend = await startBackend()
    browser = await launchBrowser()
    page = await openPage(browser)
    for (const { name, group, tags } of SCHEDULES) {
      const { status, body } = await backend.api('POST', '/schedules', {
        name,
        workflow_type: 'evaluate',
        cron_schedule: YEARLY,
        group,
        tags,
      })
      assert.equal(status, 201, JSON.stringify(body))
    }
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('switches to the table, filters by group and disables picked rows in bulk', async () => {
    await page.goto(`${backend.url}/schedules`)
    await card('Extract').waitFor()
    await page.locator('[data-test="view-table"]').click()
    await page.waitForURL(/view=table/)
    await row('Weekly report').waitFor()
    assert.equal(await page.locator('[data-test="schedule-row"]').count(), 5)

    // The group filter offers the groups the page has seen.
    await page.locator('[data-test="filter-group"]').click()
    await page.locator('.n-base-select-option', { hasText: 'ETL' }).first().click()
    await page.waitForURL(/group=ETL/)
    await waitFor(async () => (await page.locator('[data-test="schedule-row"]').count()) === 3, 'three ETL rows')
    assert.equal(await row('Monthly report').count(), 0)

    // Checkboxes and switches are named by their schedule.
    await page.getByRole('checkbox', { name: 'Select “Extract”' }).click()
    await page.getByRole('checkbox', { name: 'Select “Load”' }).click()
    assert.equal(await page.locator('[data-test="bulk-count"]').textContent(), '2 schedules selected')
    await page.locator('[data-test="bulk-disable"]').click()

    await page.locator('.n-message', { hasText: '2 schedules disabled' }).waitFor()
    await page.locator('[data-test="schedule-row"][data-enabled="false"]', { hasText: 'Extract' }).waitFor()
    await page.locator('[data-test="schedule-row"][data-enabled="false"]', { hasText: 'Load' }).waitFor()
    assert.equal(await page.getByRole('switch', { name: '“Extract” enabled' }).getAttribute('aria-checked'), 'false')
    assert.equal(await page.getByRole('switch', { name: '“Transform” enabled' }).getAttribute('aria-checked'), 'true')
    assert.equal((await scheduleByName('Extract')).enabled, false)
    assert.equal((await scheduleByName('Load')).enabled, false)
    assert.equal((await scheduleByName('Transform')).enabled, true)
    assert.equal(await page.locator('[data-test="bulk-bar"]').count(), 0, 'the selection is cleared')
    assert.deepEqual(page.errors, [])
  })

  test('tags the picked page, then everything matching the filter by the filter itself', async () => {
    await page.locator('[data-test="select-page"]').click()
    // The page is all there is: nothing more to offer.
    assert.equal(await page.locator('[data-test="bulk-select-all"]').count(), 0)
    await page.locator('[data-test="bulk-add_tag"]').click()
    await page.locator('[data-test="bulk-value"]').fill('etl:v2')
    await page.locator('[data-test="bulk-confirm"]').click()
    await page.locator('.n-message', { hasText: '3 schedules tagged “etl:v2”' }).waitFor()
    for (const name of ['Extract', 'Transform', 'Load']) assert.ok((await scheduleByName(name)).tags.includes('etl:v2'), name)
    await row('Load').locator('[data-test="schedule-tag"]', { hasText: 'etl:v2' }).waitFor()
    // A row shows two tags; the rest are counted, and named in the count's title.
    const more = row('Extract').locator('[data-test="schedule-tags-more"]')
    await more.waitFor()
    assert.equal(await more.textContent(), '+1')
    assert.equal(await more.getAttribute('title'), 'etl:v2')
    assert.deepEqual((await scheduleByName('Monthly report')).tags, ['monthly'])

    // More than a page: the rest are reached by the filter, with no id list.
    for (let i = 1; i <= 55; i++) {
      const name = `Bulk ${String(i).padStart(2, '0')}`
      const { status } = await backend.api('POST', '/schedules', { name, workflow_type: 'evaluate', cron_schedule: YEARLY, group: 'Bulk' })
      assert.equal(status, 201)
    }
    await page.goto(`${backend.url}/schedules?view=table&group=Bulk`)
    await row('Bulk 50').waitFor()
    assert.equal(await page.locator('[data-test="schedule-row"]').count(), 50)
    await page.locator('[data-test="select-page"]').click()
    await page.locator('[data-test="bulk-select-all"]', { hasText: 'Select all 55 matching' }).click()
    assert.equal(await page.locator('[data-test="bulk-count"]').textContent(), 'all 55 schedules matching the filters selected')
    await page.locator('[data-test="bulk-add_tag"]').click()
    await page.locator('[data-test="bulk-value"]').fill('batch')
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/v1/schedules/bulk'))
    await page.locator('[data-test="bulk-confirm"]').click()
    assert.deepEqual((await sent).postDataJSON(), { action: 'add_tag', filter: { group: 'Bulk' }, value: 'batch' })
    await page.locator('.n-message', { hasText: '55 schedules tagged “batch”' }).waitFor()
    const { body } = await backend.api('GET', '/schedules?tag=batch&page_size=100')
    assert.equal(body.total, 55)
    for (const { id } of body.items) {
      const { status } = await backend.api('DELETE', `/schedules/${id}`)
      assert.equal(status, 204)
    }
  })

  test('sorts the table by a column through the server', async () => {
    await page.goto(`${backend.url}/schedules?view=table`)
    await row('Weekly report').waitFor()
    await page.locator('th[data-col-key="group"]').click()
    await page.waitForURL(/sort=group/)
    await waitFor(async () => {
      const names = await page.locator('[data-test="schedule-row"] [data-test="schedule-name"]').allTextContents()
      // By group (ETL, then Reports), the one without a group last; ties by name.
      return JSON.stringify(names) === JSON.stringify(['Extract', 'Load', 'Transform', 'Monthly report', 'Weekly report'])
    }, 'rows in group order')

    // One menu serves every row, opened under the row's "More".
    const more = row('Load').locator('[data-test="row-menu"]')
    await more.click()
    const option = page.locator('.n-dropdown-option', { hasText: 'History' })
    await option.waitFor()
    // Under the button; flipped to end at it near the window's right edge.
    const [button, menu] = [await more.boundingBox(), await page.locator('.n-dropdown-menu').boundingBox()]
    const near = (a, b) => Math.abs(a - b) < 20
    const at = `${JSON.stringify(button)} ${JSON.stringify(menu)}`
    assert.ok(near(menu.y, button.y + button.height), `the menu opens under its row's button: ${at}`)
    assert.ok(near(menu.x, button.x) || near(menu.x + menu.width, button.x), `and beside it: ${at}`)
    await option.click()
    await page.locator('[data-test="history-modal"]', { hasText: 'Runs of “Load”' }).waitFor()
    await page.keyboard.press('Escape')
  })

  test('clones from a card and shows the copy, switched off', async () => {
    await page.goto(`${backend.url}/schedules`)
    await card('Transform').locator('[data-test="clone"]').click()
    await page.locator('.n-message', { hasText: 'Cloned as “Transform (copy)”: it is disabled' }).waitFor()
    await dialog().locator('.n-card-header', { hasText: 'Edit “Transform (copy)”' }).waitFor()
    await page.keyboard.press('Escape')
    await page.locator('[data-test="schedule-editor"]').waitFor({ state: 'detached' })

    const copy = card('Transform (copy)')
    await copy.waitFor()
    assert.equal(await copy.getAttribute('data-enabled'), 'false')
    assert.equal(await copy.locator('[data-test="schedule-group"]').textContent(), 'ETL')
    const saved = await scheduleByName('Transform (copy)')
    assert.equal(saved.enabled, false)
    assert.deepEqual(saved.tags, ['nightly', 'etl:v2'])
  })

  test('sets a group and tags in the form and shows them on the card', async () => {
    await card('Weekly report').locator('[data-test="edit"]').click()
    await dialog().locator('[data-test="group-input"]').fill('Reports')
    await dialog().locator('[data-test="tags-select"]').click()
    for (const tag of ['weekly', 'team:finance']) {
      await page.keyboard.type(tag)
      await page.keyboard.press('Enter')
    }
    await page.keyboard.press('Escape')
    await dialog().locator('[data-test="save"]').click()
    await page.locator('[data-test="schedule-editor"]').waitFor({ state: 'detached' })

    const target = card('Weekly report')
    await target.locator('[data-test="schedule-group"]', { hasText: 'Reports' }).waitFor()
    assert.deepEqual(await target.locator('[data-test="schedule-tag"]').allTextContents(), ['weekly', 'team:finance'])
    const saved = await scheduleByName('Weekly report')
    assert.equal(saved.group, 'Reports')
    assert.deepEqual(saved.tags, ['weekly', 'team:finance'])

    // A tag chip is a link to the list of its schedules, the URL keeping the tag.
    await target.locator('[data-test="schedule-tag"]', { hasText: 'team:finance' }).click()
    await page.waitForURL(/tag=team%3Afinance|tag=team:finance/)
    await waitFor(async () => (await page.locator('[data-test="schedule-card"]').count()) === 1, 'one tagged card')
    assert.deepEqual(page.errors, [])
  })
})
