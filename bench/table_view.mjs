// The schedules table in headless Chromium against a running tickwork: how long until the
// first page's rows are drawn, a far page, a sort, and how smooth a scroll to the bottom is.
// Driven by bench/table_view.py, which starts the server; prints one JSON line of figures (ms).
import { createRequire } from 'node:module'

const require = createRequire(`${process.env.FRONTEND}/package.json`)
const { chromium } = require('playwright-core')
const [url, lastPage] = process.argv.slice(2)
const ROW = '[data-test="schedule-row"]'

async function timed(page, path) {
  const begun = Date.now()
  await page.goto(`${url}${path}`)
  await page.waitForSelector(ROW)
  return Date.now() - begun
}

async function scrollFrames(page) {
  // 60 frames of scrolling the page by a step each: the longest frame is the jank one sees.
  return page.evaluate(async () => {
    const gaps = []
    let last = performance.now()
    for (let i = 0; i < 60; i += 1) {
      window.scrollBy(0, 120)
      await new Promise((resolve) => requestAnimationFrame(resolve))
      const now = performance.now()
      gaps.push(now - last)
      last = now
    }
    gaps.sort((a, b) => a - b)
    return { median: gaps[30], longest: gaps[gaps.length - 1] }
  })
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
})
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const figures = {}
  figures.first_page_cold = await timed(page, '/schedules?view=table')
  figures.first_page = await timed(page, '/schedules?view=table')
  figures.rows = await page.locator(ROW).count()
  figures.page_100_rows = await timed(page, '/schedules?view=table&page_size=100')
  figures.last_page = await timed(page, `/schedules?view=table&page=${lastPage}`)
  figures.sorted_by_next_run = await timed(page, '/schedules?view=table&sort=next_run')
  figures.sorted_by_name_desc = await timed(page, '/schedules?view=table&sort=-name')
  await timed(page, '/schedules?view=table&page_size=100')
  const scroll = await scrollFrames(page)
  figures.scroll_frame_median = Math.round(scroll.median * 10) / 10
  figures.scroll_frame_longest = Math.round(scroll.longest * 10) / 10
  console.log(JSON.stringify(figures))
} finally {
  await browser.close()
}
