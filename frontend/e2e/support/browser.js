/** Headless Chromium from the system (no browser download), driven by playwright-core. */
import { chromium } from 'playwright-core'

export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 390, height: 844 }

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * A page that fails the test on uncaught page errors, collected in `page.errors`.
 * `options` go to the browser context (`bypassCSP` to inject a test's own script).
 */
export async function openPage(browser, viewport = DESKTOP, options = {}) {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/Berlin', ...options })
  const page = await context.newPage()
  page.errors = []
  page.on('pageerror', (error) => page.errors.push(error))
  page.setDefaultTimeout(15_000)
  return page
}
