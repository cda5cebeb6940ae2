/**
 * Accessibility of every view against a real tickwork server with real data: axe-core runs
 * in the page (light and dark colour-scheme preference, each drawing its own theme) and no
 * violation of impact critical or serious may be left; then the schedules page is worked with
 * the keyboard alone, and the focused control must show a focus ring.
 *
 * Authentication is on (one admin), so the users page and the login page are the real ones.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { FRONTEND_DIR, startBackend } from './support/backend.js'
import { DESKTOP, launchBrowser, openPage } from './support/browser.js'

const ADMIN = { username: 'ada', role: 'admin', password: 'correct horse battery' }
const AXE_SOURCE = await readFile(join(FRONTEND_DIR, 'node_modules/axe-core/axe.min.js'), 'utf8')
const BLOCKING = new Set(['critical', 'serious'])
const SCHEMES = ['light', 'dark']

let backend
let browser
let api
const seeded = {}

async function create(body) {
  const { status, body: schedule } = await api('POST', '/schedules', body)
  assert.equal(status, 201, JSON.stringify(schedule))
  return schedule
}

async function fromTemplate(id, extra = {}) {
  const { body } = await api('GET', '/templates')
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

async function until(what, check, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = await check()
    if (found) return found
    assert.ok(Date.now() < deadline, `no ${what} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** Runs each schedule once by hand and waits for every run to end; the runs, in order. */
async function runAndWait(schedules) {
  const runs = []
  for (const schedule of schedules) {
    const { status, body } = await api('POST', `/schedules/${schedule.id}/run`)
    assert.equal(status, 202, JSON.stringify(body))
    runs.push(body)
  }
  const ended = []
  for (const run of runs) {
    ended.push(
      await until(`end of run ${run.id}`, async () => {
        const { body } = await api('GET', `/runs/${run.id}`)
        return !['queued', 'running'].includes(body.status) && body
      }),
    )
  }
  return ended
}

/** A fresh page whose OS asks for `scheme`; the page's CSP (script-src 'self') lets axe in. */
function schemePage(scheme) {
  return openPage(browser, DESKTOP, { colorScheme: scheme, bypassCSP: true })
}

/** A page logged in as the admin, its OS asking for `scheme`. */
async function loggedInPage(scheme) {
  const page = await schemePage(scheme)
  await page.goto(`${backend.url}/login`)
  await page.locator('[data-test="login-username"]').fill(ADMIN.username)
  await page.locator('[data-test="login-password"]').fill(ADMIN.password)
  await page.locator('[data-test="login-submit"]').click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  return page
}

/** Waits until no CSS transition or animation is under way: a fading element has no final colour yet. */
async function settled(page) {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity))
}

/** axe-core's violations on the page as it is now, each with its impact, rule id and targets. */
async function scan(page) {
  await settled(page)
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ content: AXE_SOURCE })
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }))
  })
}

function describeViolations(violations) {
  return violations
    .map((v) => `${v.impact} ${v.id} (${v.help}), ${v.targets.length}×:\n${v.targets.map((t) => `    ${t.target}\n      ${t.summary?.split('\n').slice(0, 3).join(' / ')}`).join('\n')}`)
    .join('\n')
}

async function assertAccessible(page, t) {
  // The page draws the scheme the OS asks for: a dark scan is of the dark theme.
  const { asked, drawn } = await page.evaluate(() => ({
    asked: window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light',
    drawn: document.documentElement.dataset.theme,
  }))
  assert.equal(drawn, asked, 'the page follows the colour-scheme preference')
  const violations = await scan(page)
  const counts = {}
  for (const v of violations) counts[v.impact] = (counts[v.impact] || 0) + v.targets.length
  t.diagnostic(`axe: ${JSON.stringify(counts)} ${violations.map((v) => `${v.id}×${v.targets.length}`).join(' ')}`)
  const blocking = violations.filter((v) => BLOCKING.has(v.impact))
  assert.equal(blocking.length, 0, `axe-core found on ${page.url()}:\n${describeViolations(blocking)}`)
  assert.deepEqual(page.errors, [])
}

/**
 * Presses Tab until the element marked `data-kbd="<mark>"` has the focus, at most `limit` times;
 * every element focused on the way must show a focus ring (an outline or a box shadow, on it or
 * on the layer where a Naive UI field draws the ring for its inner input); those that do not
 * go into `unringed`.
 */
async function tabTo(page, mark, unringed, limit = 200) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      const el = document.activeElement
      if (!el || el === document.body) return null
      const ringed = (e) => {
        const style = getComputedStyle(e)
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none'
      }
      // Naive UI's fields draw their focus as a coloured border with a glow, on a layer of their own.
      const field = el.closest('.n-input, .n-base-selection')?.querySelector('.n-input__state-border, .n-base-selection__state-border')
      return {
        mark: el.getAttribute('data-kbd'),
        ringed: ringed(el) || Boolean(field && ringed(field)),
        what: `${el.tagName.toLowerCase()}${el.getAttribute('data-test') ? `[data-test=${el.getAttribute('data-test')}]` : ''} ${el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40)}`,
      }
    })
    if (!focused) continue
    if (!focused.ringed) unringed.add(focused.what)
    if (focused.mark === mark) return
  }
  assert.fail(`${limit} presses of Tab did not reach ${mark}`)
}

const VIEWS = [
  { name: 'dashboard', path: () => '/', ready: '[data-test="quick-switches"] li' },
  { name: 'schedules, cards', path: () => '/schedules', ready: '[data-test="schedule-card"] [data-test="run-pill"]' },
  { name: 'schedules, table', path: () => '/schedules?view=table', ready: '[data-test="schedule-row"]' },
  { name: 'schedule detail', path: () => `/schedules/${seeded.weekday.id}`, ready: '[data-test="schedule-title"]', more: '.n-data-table-tbody .n-data-table-tr' },
  { name: 'runs', path: () => '/runs', ready: '[data-test="runs-table"] .n-data-table-tbody .n-data-table-tr' },
  { name: 'run detail', path: () => `/runs/${seeded.failedRun.id}`, ready: '[data-test="run-status"]', more: '[data-test="run-command"]' },
  { name: 'audit log', path: () => '/audit', ready: '[data-test="audit-table"] .n-data-table-tbody .n-data-table-tr' },
  { name: 'users', path: () => '/users', ready: '[data-test="user-table"] .n-data-table-tbody .n-data-table-tr' },
  { name: 'notification channels', path: () => '/notifications', ready: '[data-test="channel-table"] .n-data-table-tbody .n-data-table-tr' },
  { name: 'backups', path: () => '/backups', ready: '[data-test="backup-table"] .n-data-table-tbody .n-data-table-tr' },
  { name: 'not found', path: () => '/no/such/page', ready: '.n-result' },
]

describe('accessibility', { timeout: 300_000 }, () => {
  before(async () => {
    backend = await startBackend({ users: [ADMIN] })
    browser = await launchBrowser()
    api = await backend.apiAs(ADMIN.username, ADMIN.password)

    seeded.weekday = await fromTemplate('weekday_hourly', {
      parameters: { number: 5, regions: ['germany', 'austria'] },
      group: 'Scraping',
      tags: ['dach', 'hourly'],
    })
    seeded.evaluation = await fromTemplate('daily_evaluation', { group: 'Evaluation', tags: ['nightly'] })
    seeded.cleanup = await fromTemplate('weekly_cleanup', { tags: ['maintenance'] })
    seeded.strict = await create({
      name: 'Quick scrape, 2 s budget',
      description: 'Scrapes three regions but may take two seconds at most',
      workflow_type: 'main',
      parameters: { number: 3, regions: ['france', 'italy', 'spain'] },
      cron_schedule: '*/30 8-18 * * 1-5',
      timeout_seconds: 2,
      group: 'Scraping',
      tags: ['eu'],
    })
    const runs = await runAndWait([seeded.weekday, seeded.evaluation, seeded.strict])
    seeded.failedRun = runs.find((r) => r.status !== 'success') || runs[0]
    assert.equal((await api('POST', `/schedules/${seeded.cleanup.id}/toggle`, { enabled: false })).status, 200)
    const channel = await api('POST', '/notifications/channels', { name: 'ops hook', url: 'json://127.0.0.1:9/hooks/a11y' })
    assert.equal(channel.status, 201, JSON.stringify(channel.body))
    // The server writes its copy of the schedules shortly after a change.
    await until('backup copy', async () => (await api('GET', '/backups')).body.items.length > 0, 30_000)
  })

  after(async () => {
    await browser?.close()
    await backend?.stop()
  })

  for (const scheme of SCHEMES) {
    test(`login (${scheme})`, async (t) => {
      const page = await schemePage(scheme)
      await page.goto(`${backend.url}/login`)
      await page.locator('[data-test="login-submit"]').waitFor()
      await assertAccessible(page, t)
      await page.context().close()
    })

    for (const view of VIEWS) {
      test(`${view.name} (${scheme})`, async (t) => {
        const page = await loggedInPage(scheme)
        await page.goto(`${backend.url}${view.path()}`)
        await page.locator(view.ready).first().waitFor()
        if (view.more) await page.locator(view.more).first().waitFor()
        await assertAccessible(page, t)
        await page.context().close()
      })
    }

    test(`schedule editor dialog (${scheme})`, async (t) => {
      const page = await loggedInPage(scheme)
      await page.goto(`${backend.url}/schedules`)
      await page.locator('[data-test="schedule-card"]').first().waitFor()
      await page.locator('[data-test="schedule-card"]', { hasText: seeded.weekday.name }).locator('[data-test="edit"]').click()
      await page.locator('[role="dialog"] [data-test="cron-preview-runs"]').waitFor()
      await assertAccessible(page, t)
      await page.context().close()
    })

    test(`switch-off dialog (${scheme})`, async (t) => {
      const page = await loggedInPage(scheme)
      await page.goto(`${backend.url}/schedules`)
      await page.locator('[data-test="schedule-card"]', { hasText: seeded.weekday.name }).locator('[data-test="toggle"]').click()
      await page.locator('[role="dialog"][data-test="toggle-dialog"]').waitFor()
      await assertAccessible(page, t)
      await page.context().close()
    })

    test(`discard-changes confirmation (${scheme})`, async (t) => {
      const page = await loggedInPage(scheme)
      await page.goto(`${backend.url}/schedules`)
      await page.locator('[data-test="new-schedule"]').click()
      await page.locator('[role="dialog"] [data-test="name-input"]').fill('Half typed')
      await page.keyboard.press('Escape')
      await page.locator('[data-test="keep-editing"]').waitFor()
      await assertAccessible(page, t)
      await page.context().close()
    })

    test(`run dialog (${scheme})`, async (t) => {
      const page = await loggedInPage(scheme)
      await page.goto(`${backend.url}/schedules/${seeded.weekday.id}`)
      await page.locator('[data-test="run-with"]').click()
      await page.locator('[data-test="run-with-parameters-submit"]').waitFor()
      await assertAccessible(page, t)
      await page.context().close()
    })
  }

  test('the schedules page works from the keyboard alone, with a visible focus ring on every stop', async () => {
    const page = await loggedInPage('light')
    await page.goto(`${backend.url}/schedules`)
    const card = page.locator('[data-test="schedule-card"]', { hasText: seeded.cleanup.name })
    await card.locator('[data-test="run-pill"], [data-test="toggle"]').first().waitFor()
    assert.equal(await card.getAttribute('data-enabled'), 'false')
    await page.locator('[data-test="new-schedule"]').evaluate((el) => el.setAttribute('data-kbd', 'new'))
    await card.locator('[data-test="toggle"]').evaluate((el) => el.setAttribute('data-kbd', 'switch'))
    await card.locator('[data-test="run-now"]').evaluate((el) => el.setAttribute('data-kbd', 'run'))
    const unringed = new Set()

    await tabTo(page, 'new', unringed)
    await page.keyboard.press('Enter')
    await page.locator('[role="dialog"] [data-test="name-input"]').waitFor()
    await page.keyboard.press('Escape')
    await page.locator('[role="dialog"]').waitFor({ state: 'detached' })

    await tabTo(page, 'switch', unringed)
    await page.keyboard.press('Space')
    await until('the schedule switched on', async () => (await card.getAttribute('data-enabled')) === 'true', 15_000)
    assert.equal((await api('GET', `/schedules/${seeded.cleanup.id}`)).body.enabled, true)

    await tabTo(page, 'run', unringed)
    await page.keyboard.press('Enter')
    await until('a run of the schedule', async () => (await api('GET', `/schedules/${seeded.cleanup.id}/runs`)).body.items.length > 0, 15_000)

    assert.deepEqual([...unringed], [], 'every control reached by Tab shows where the focus is')
    assert.deepEqual(page.errors, [])
    await page.context().close()
  })
})
