/**
 * The colour theme against a real server: the nav bar's choice turns the page dark, is kept
 * across a reload, and wins over the system's preference; "System" follows the preference.
 * THEME_SHOTS=<dir> saves each view, dark, there to be looked at.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startBackend } from './support/backend.js'
import { DESKTOP, launchBrowser, openPage } from './support/browser.js'

let backend
let browser
let schedule
let run

/** The body's background as [r, g, b], and whether it is dark (luminance below a half). */
async function background(page) {
  return page.evaluate(() => {
    const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number)
    return { rgb: [r, g, b], dark: (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 < 0.5 }
  })
}

/** The background of the first element matching `selector` as its luminance 0-1. */
async function luminance(page, selector) {
  return page.locator(selector).first().evaluate((el) => {
    const [r, g, b] = getComputedStyle(el).backgroundColor.match(/\d+/g).map(Number)
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
  })
}

describe('colour theme', { timeout: 120_000 }, () => {
  before(async () => {
    backend = await startBackend()
    browser = await launchBrowser()
    const { body } = await backend.api('GET', '/templates')
    const template = body.items.find((t) => t.id === 'weekday_hourly')
    const created = await backend.api('POST', '/schedules', {
      name: template.name,
      workflow_type: template.workflow_type,
      parameters: template.parameters,
      cron_schedule: template.cron_schedule,
      group: 'Scraping',
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    schedule = created.body
    run = (await backend.api('POST', `/schedules/${schedule.id}/run`)).body
    const deadline = Date.now() + 60_000
    for (;;) {
      const { body: now } = await backend.api('GET', `/runs/${run.id}`)
      if (!['queued', 'running'].includes(now.status)) break
      assert.ok(Date.now() < deadline, `run ${run.id} did not end`)
      await new Promise((r) => setTimeout(r, 250))
    }
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('choosing Dark in the nav bar turns the page dark, and a reload keeps it', async () => {
    const page = await openPage(browser, DESKTOP, { colorScheme: 'light' })
    await page.goto(`${backend.url}/schedules`)
    await page.locator('[data-test="schedule-card"]').first().waitFor()
    assert.equal((await background(page)).dark, false)
    const select = page.getByRole('combobox', { name: 'Theme' })
    assert.equal(await select.inputValue(), 'system')
    const cardLight = await luminance(page, '[data-test="schedule-card"]')

    await select.selectOption('dark')
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark')
    assert.equal((await background(page)).dark, true)
    // Naive UI's cards follow too, not only the page's ground.
    const cardDark = await luminance(page, '[data-test="schedule-card"]')
    assert.ok(cardDark < 0.2 && cardLight > 0.8, `card luminance ${cardLight} in light, ${cardDark} in dark`)

    await page.reload()
    await page.locator('[data-test="schedule-card"]').first().waitFor()
    assert.equal((await background(page)).dark, true)
    assert.equal(await page.getByRole('combobox', { name: 'Theme' }).inputValue(), 'dark')

    await page.getByRole('combobox', { name: 'Theme' }).selectOption('light')
    assert.equal((await background(page)).dark, false)
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })

  test('"System" follows the preference, live', async () => {
    const page = await openPage(browser, DESKTOP, { colorScheme: 'dark' })
    await page.goto(`${backend.url}/`)
    await page.locator('[data-test="quick-switches"] li').first().waitFor()
    assert.equal((await background(page)).dark, true)
    await page.emulateMedia({ colorScheme: 'light' })
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light')
    assert.equal((await background(page)).dark, false)
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })

  test('every view draws dark under the dark preference', async () => {
    const views = [
      ['dashboard', '/', '[data-test="quick-switches"] li'],
      ['schedules', '/schedules', '[data-test="schedule-card"]'],
      ['schedules-table', '/schedules?view=table', '[data-test="schedule-row"]'],
      ['schedule', `/schedules/${schedule.id}`, '[data-test="schedule-title"]'],
      ['runs', '/runs', '[data-test="runs-table"] .n-data-table-tbody .n-data-table-tr'],
      ['run', `/runs/${run.id}`, '[data-test="run-command"]'],
      ['audit', '/audit', '[data-test="audit-table"]'],
    ]
    const page = await openPage(browser, DESKTOP, { colorScheme: 'dark' })
    for (const [name, path, ready] of views) {
      await page.goto(`${backend.url}${path}`)
      await page.locator(ready).first().waitFor()
      assert.equal((await background(page)).dark, true, `${name} is dark`)
      if (process.env.THEME_SHOTS) await page.screenshot({ path: join(process.env.THEME_SHOTS, `${name}.png`), fullPage: true })
    }
    // A dialog is drawn by Naive UI outside the app's element: it must be dark too.
    await page.goto(`${backend.url}/schedules`)
    await page.locator('[data-test="schedule-card"] [data-test="edit"]').first().click()
    await page.locator('[role="dialog"] [data-test="cron-preview-runs"]').waitFor()
    const dialog = await luminance(page, '[role="dialog"].n-card, [role="dialog"] .n-card')
    assert.ok(dialog < 0.2, `the editor's luminance is ${dialog}`)
    if (process.env.THEME_SHOTS) await page.screenshot({ path: join(process.env.THEME_SHOTS, 'editor.png') })
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })
})
