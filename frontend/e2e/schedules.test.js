/**
 * The web page against a real tickwork server in headless Chromium: create, edit,
 * validate, toggle, run, follow the log, pause and resume, import/export, delete.
 * The tests run in order and build on each other's schedule.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startBackend } from './support/backend.js'
import { launchBrowser, openPage } from './support/browser.js'

const TEMPLATE_NAME = 'Weekday hourly'
let backend
let browser
let page

const card = (name) => page.locator('[data-test="schedule-card"]', { hasText: name })
const dialog = () => page.locator('[role="dialog"]')

async function scheduleByName(name) {
  const { body } = await backend.api('GET', `/schedules?q=${encodeURIComponent(name)}`)
  return body.items.find((s) => s.name === name)
}

async function waitForText(locator, expected, timeout = 15_000) {
  const deadline = Date.now() + timeout
  let last = ''
  while (Date.now() < deadline) {
    last = (await locator.textContent().catch(() => '')) || ''
    if (expected instanceof RegExp ? expected.test(last) : last.includes(expected)) return last
    await page.waitForTimeout(100)
  }
  assert.fail(`expected ${expected} in ${JSON.stringify(last)}`)
}

async function pickOption(selectTestId, label) {
  await dialog().locator(`[data-test="${selectTestId}"]`).click()
  // The option list is virtual: filter it down so the option is rendered.
  await page.keyboard.type(label)
  await page.locator('.n-base-select-option', { hasText: label }).first().click()
  await page.keyboard.press('Escape')
}

async function openManager() {
  await page.goto(`${backend.url}/schedules`)
  await page.locator('[data-test="schedule-list"], [data-test="empty-state"]').first().waitFor()
}

describe('tickwork web page', { timeout: 240_000 }, () => {
  before(async () => {
    backend = await startBackend()
    browser = await launchBrowser()
    page = await openPage(browser)
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  test('creates a schedule from the weekday_hourly template', async () => {
    await page.goto(`${backend.url}/schedules`)
    await page.locator('[data-test="empty-state"]').waitFor()

    await page.locator('[data-test="template-weekday_hourly"]').click()
    assert.equal(await dialog().locator('[data-test="name-input"]').inputValue(), TEMPLATE_NAME)
    assert.equal(await dialog().locator('[data-test="cron-input"]').inputValue(), '0 8-23 * * 1-5')
    // Regions are a list parameter: one chip each.
    for (const region of ['germany', 'austria']) {
      await dialog().locator('[data-test="param-regions"] button').last().click()
      await dialog().locator('[data-test="param-regions"] input').fill(region)
      await page.keyboard.press('Enter')
    }
    await dialog().locator('[data-test="save"]').click()

    await card(TEMPLATE_NAME).waitFor()
    const saved = await scheduleByName(TEMPLATE_NAME)
    assert.equal(saved.cron_schedule, '0 8-23 * * 1-5')
    assert.equal(saved.workflow_type, 'main')
    assert.deepEqual(saved.parameters.regions, ['germany', 'austria'])
    assert.equal(await card(TEMPLATE_NAME).locator('[data-test="cron-description"]').textContent(), saved.cron_description)
    assert.match(await card(TEMPLATE_NAME).locator('[data-test="next-run"]').textContent(), /CES?T/)
    assert.deepEqual(page.errors, [])
  })

  test('previews a cron edited in the builder, as typed and as picked', async () => {
    await card(TEMPLATE_NAME).locator('[data-test="edit"]').click()
    const description = dialog().locator('[data-test="cron-preview-description"]')
    const runs = dialog().locator('[data-test="cron-preview-runs"]')
    const { body: before } = await backend.api('GET', '/cron/preview?expression=0+8-23+*+*+1-5&timezone=Europe/Berlin')
    await waitForText(description, before.description)
    const runsBefore = await runs.textContent()

    await dialog().locator('[data-test="cron-input"]').fill('0 6 * * 6,0')
    const { body: typed } = await backend.api('GET', '/cron/preview?expression=0+6+*+*+6,0&timezone=Europe/Berlin')
    await waitForText(description, typed.description)
    assert.notEqual(await runs.textContent(), runsBefore)
    assert.match(await runs.textContent(), /(Sat|Sun), .* 06:00 CES?T/)

    await pickOption('picker-minute', ':30')
    assert.equal(await dialog().locator('[data-test="cron-input"]').inputValue(), '0,30 6 * * 6,0')
    const { body: picked } = await backend.api('GET', '/cron/preview?expression=0,30+6+*+*+6,0&timezone=Europe/Berlin')
    await waitForText(description, picked.description)
    await waitForText(runs, '06:30')

    await dialog().locator('[data-test="save"]').click()
    await waitForText(card(TEMPLATE_NAME).locator('[data-test="cron-expression"]'), '0,30 6 * * 6,0')
    assert.equal((await scheduleByName(TEMPLATE_NAME)).cron_schedule, '0,30 6 * * 6,0')
  })

  test('shows the server validation errors at their fields', async () => {
    await openManager()
    await page.locator('[data-test="new-schedule"]').click()
    await dialog().locator('[data-test="cron-input"]').fill('0 8 * * 9')
    const { body: cronError } = await backend.api('GET', '/cron/preview?expression=0+8+*+*+9&timezone=Europe/Berlin')
    assert.equal(cronError.error, 'validation_error')
    await waitForText(dialog().locator('[data-test="cron-field"]'), cronError.errors[0].message)

    await dialog().locator('[data-test="cron-input"]').fill('0 8 * * 1')
    await dialog().locator('[data-test="save"]').click()
    const { status, body } = await backend.api('POST', '/schedules', {
      name: '',
      workflow_type: 'main',
      cron_schedule: '0 8 * * 1',
    })
    assert.equal(status, 422)
    assert.ok(body.errors.find((e) => e.field === 'name'))
    // The page refuses it before sending, in words rather than the validator's.
    const nameError = 'Name is required.'
    await waitForText(dialog().locator('[data-test="field-name"] .n-form-item-feedback'), nameError)
    assert.equal((await backend.api('GET', '/schedules')).body.total, 1, 'nothing was created')

    await dialog().locator('[data-test="name-input"]').fill('Monday report')
    // The message goes once the field is changed.
    await dialog()
      .locator('[data-test="field-name"] .n-form-item-feedback', { hasText: nameError })
      .waitFor({ state: 'detached' })
    // Escape with unsaved edits asks first.
    await page.keyboard.press('Escape')
    await page.locator('[data-test="confirm-discard"]').click()
    await page.locator('[data-test="schedule-editor"]').waitFor({ state: 'detached' })
  })

  test('toggles a schedule off and on', async () => {
    await openManager()
    const target = card(TEMPLATE_NAME)
    await target.locator('[data-test="toggle"]').click()
    // Switching off asks why (optional) in a small dialog first.
    await page.locator('[data-test="toggle-note"] textarea').fill('Upstream migration')
    await page.locator('[data-test="confirm-toggle-off"]').click()
    await page.locator(`[data-test="schedule-card"][data-enabled="false"]`, { hasText: TEMPLATE_NAME }).waitFor()
    const off = await scheduleByName(TEMPLATE_NAME)
    assert.equal(off.enabled, false)
    assert.equal(await target.locator('[data-test="next-run"]').textContent(), 'Disabled')
    assert.equal(off.pause_note, 'Upstream migration')
    await waitForText(target.locator('[data-test="pause-note"]'), 'Upstream migration')

    await target.locator('[data-test="toggle"]').click()
    await page.locator(`[data-test="schedule-card"][data-enabled="true"]`, { hasText: TEMPLATE_NAME }).waitFor()
    assert.equal((await scheduleByName(TEMPLATE_NAME)).enabled, true)
    await waitForText(target.locator('[data-test="next-run"]'), /in \d/)
  })

  test('runs now and shows the run finish without a reload', async () => {
    await openManager()
    const target = card(TEMPLATE_NAME)
    let navigations = 0
    page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations++)

    await target.locator('[data-test="run-now"]').click()
    const pill = target.locator('[data-test="run-pill"]').last()
    await pill.waitFor()
    assert.match(await pill.getAttribute('data-status'), /queued|running/)
    await target.locator('[data-test="run-pill"][data-status="success"]').waitFor({ timeout: 60_000 })
    await waitForText(target.locator('[data-test="last-status"]'), 'Success')
    await page.locator('.n-notification', { hasText: /finished in/ }).first().waitFor()
    assert.equal(navigations, 0)
  })

  test('follows a running run live and shows the demo pipeline output', async () => {
    const target = card(TEMPLATE_NAME)
    const countBefore = await target.locator('[data-test="run-pill"]').count()
    await target.locator('[data-test="run-now"]').click()
    await page.waitForFunction(
      ([name, count]) =>
        [...document.querySelectorAll('[data-test="schedule-card"]')]
          .find((c) => c.textContent.includes(name))
          ?.querySelectorAll('[data-test="run-pill"]').length > count,
      [TEMPLATE_NAME, countBefore],
    )
    await target.locator('[data-test="run-pill"]').last().click()
    await page.waitForURL(/\/runs\/\d+$/)
    const runId = page.url().split('/').pop()

    const status = page.locator('[data-test="run-status"]')
    assert.match(await status.textContent(), /Queued|Running/)
    await waitForText(page.locator('[data-test="run-log"]'), 'scrape germany', 30_000)
    await waitForText(status, 'Success', 60_000)
    const log = await waitForText(page.locator('[data-test="run-log"]'), 'workflow complete')
    assert.match(log, /scrape austria/)
    await page.locator('[data-test="log-live"]').waitFor({ state: 'detached' })

    const { body: run } = await backend.api('GET', `/runs/${runId}`)
    assert.equal(run.status, 'success')
    assert.equal(await page.locator('[data-test="exit-code"]').textContent(), '0')
    assert.equal(await page.locator('[data-test="run-command"]').textContent(), run.command.join(' '))
    assert.deepEqual(page.errors, [])
  })

  test('cancels a running run', async () => {
    const { body: long } = await backend.api('POST', '/schedules', {
      name: 'Long scrape',
      workflow_type: 'main',
      parameters: { regions: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'] },
      cron_schedule: '0 3 * * *',
    })
    await page.goto(`${backend.url}/schedules/${long.id}`)
    await page.locator('[data-test="run-now"]').click()
    await page.locator('[data-test="history-run-link"]').first().click()
    await page.waitForURL(/\/runs\/\d+$/)
    await waitForText(page.locator('[data-test="run-log"]'), 'scrape a')

    await page.locator('[data-test="cancel-run"]').click()
    await page.locator('[data-test="confirm-cancel"]').click()
    await waitForText(page.locator('[data-test="run-status"]'), 'Cancelled', 30_000)
    await page.locator('[data-test="cancel-run"]').waitFor({ state: 'detached' })
    const runId = page.url().split('/').pop()
    assert.equal((await backend.api('GET', `/runs/${runId}`)).body.status, 'cancelled')
    assert.equal((await backend.api('DELETE', `/schedules/${long.id}`)).status, 204)
  })

  test('pauses and resumes the scheduler', async () => {
    await page.goto(`${backend.url}/schedules`)
    const state = page.locator('[data-test="scheduler-state"]')
    await waitForText(state, 'Running')

    await page.locator('[data-test="pause-scheduler"]').click()
    await page.locator('[data-test="pause-note"]').fill('Database maintenance')
    await page.locator('[data-test="confirm-pause"]').click()
    await waitForText(state, 'Paused')
    const paused = (await backend.api('GET', '/schedules/status')).body
    assert.equal(paused.paused, true)
    assert.equal(paused.pause_note, 'Database maintenance')
    await waitForText(page.locator('[data-test="scheduler-pause-note"]'), 'Database maintenance')
    await waitForText(card(TEMPLATE_NAME).locator('[data-test="next-run"]'), 'Scheduler paused')

    await page.locator('[data-test="resume-scheduler"]').click()
    await waitForText(state, 'Running')
    assert.equal((await backend.api('GET', '/schedules/status')).body.paused, false)
    await waitForText(card(TEMPLATE_NAME).locator('[data-test="next-run"]'), /in \d/)
  })

  test('exports the schedules, and imports a file or explains why not', async () => {
    await openManager()
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="export"]').click()])
    const exported = JSON.parse(await new Response((await download.createReadStream())).text())
    assert.equal(exported.version, 1)
    assert.deepEqual(
      exported.schedules.map((s) => s.name),
      [TEMPLATE_NAME],
    )

    const input = page.locator('[data-test="import-file"]')
    await input.setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"nope": 1}') })
    const { body: rejected } = await backend.api('POST', '/schedules/import', { nope: 1 })
    // Each problem is listed; without field errors, the server's message is shown.
    const expected = rejected.errors?.length ? rejected.errors.length : 0
    await page.locator('[data-test="import-error"]').waitFor()
    if (expected) assert.equal(await page.locator('[data-test="import-problem"]').count(), expected)
    else await waitForText(page.locator('[data-test="import-error"]'), rejected.message)

    const copy = { ...exported, schedules: [{ ...exported.schedules[0], id: undefined, name: 'Imported copy' }] }
    await input.setInputFiles({
      name: 'copy.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(copy)),
    })
    await card('Imported copy').waitFor()
    assert.ok(await scheduleByName('Imported copy'))
  })

  test('searches, filters, and shows a schedule history', async () => {
    await openManager()
    await card('Imported copy').waitFor()
    await page.locator('[data-test="search"]').fill('copy')
    await card(TEMPLATE_NAME).waitFor({ state: 'detached' })
    assert.equal(await page.locator('[data-test="schedule-card"]').count(), 1)
    await page.locator('[data-test="search"]').fill('')
    await card(TEMPLATE_NAME).waitFor()

    await page.locator('[data-test="filter-enabled"]').click()
    await page.locator('.n-base-select-option', { hasText: 'Disabled' }).click()
    await page.locator('[data-test="no-match"]').waitFor()
    await page.locator('[data-test="no-match"] button').click()
    await card(TEMPLATE_NAME).waitFor()

    await card(TEMPLATE_NAME).locator('[data-test="history"]').click()
    const links = page.locator('[data-test="history-modal"] [data-test="history-run-link"]')
    await links.first().waitFor()
    assert.equal(await links.count(), 2)
    await page.keyboard.press('Escape')
    await page.locator('[data-test="history-modal"]').waitFor({ state: 'detached' })
  })

  test('deletes a schedule after confirmation', async () => {
    const target = card('Imported copy')
    const { id } = await scheduleByName('Imported copy')
    await target.locator('[data-test="delete"]').click()
    await page.locator('[data-test="confirm-delete"]').click()
    await target.waitFor({ state: 'detached' })
    assert.equal((await backend.api('GET', `/schedules/${id}`)).status, 404)
    assert.equal(await card(TEMPLATE_NAME).count(), 1)
    assert.deepEqual(page.errors, [])
  })

  test('reloads a deep link to a schedule and to a run', async () => {
    const schedule = await scheduleByName(TEMPLATE_NAME)
    await page.goto(`${backend.url}/schedules/${schedule.id}`)
    await waitForText(page.locator('[data-test="schedule-title"]'), TEMPLATE_NAME)
    await page.locator('[data-test="history-run-link"]').first().waitFor()
    assert.equal(await page.locator('[data-test="history-run-link"]').count(), 2)

    await page.locator('[data-test="history-run-link"]').first().click()
    await page.waitForURL(/\/runs\/\d+$/)
    await page.reload()
    await waitForText(page.locator('[data-test="run-log"]'), 'workflow complete')
    assert.deepEqual(page.errors, [])
  })
})
