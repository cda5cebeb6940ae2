import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, mount, RouterLinkStub } from '@vue/test-utils'
import DashboardScheduleWidget from '@/components/DashboardScheduleWidget.vue'
import { setServerClockOffset } from '@/composables/useNow'
import { scheduleApi } from '@/services/api'
import { stubFetch } from './support/fetch'

enableAutoUnmount(afterEach)

const NOW = Date.parse('2026-11-27T10:00:00Z')

function status(extra = {}) {
  return {
    running: true,
    paused: false,
    schedules_enabled: 2,
    schedules_total: 2,
    next_runs: [],
    recent_counts: {},
    recent_failures: [],
    running_runs: [],
    ...extra,
  }
}

function mountWidget(props = {}) {
  return mount(DashboardScheduleWidget, {
    props: { status: status(), schedules: [], ...props },
    global: { stubs: { RouterLink: RouterLinkStub } },
  })
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] })
  vi.setSystemTime(NOW)
})

afterEach(() => {
  setServerClockOffset(0)
  vi.useRealTimers()
})

describe('DashboardScheduleWidget', () => {
  it('says a run that just ended on a server whose clock is ahead ended "ago", never "in"', async () => {
    // The server's clock is 10 s ahead of the browser's: its Date header says so.
    stubFetch(
      new Response('{"items": [], "total": 0}', {
        status: 200,
        headers: { 'Content-Type': 'application/json', Date: new Date(NOW + 10_000).toUTCString() },
      }),
    )
    await scheduleApi.getSchedules()
    const finished = new Date(NOW + 8_000).toISOString() // 2 s before the server's now
    const widget = mountWidget({
      status: status({ recent_failures: [{ id: 7, status: 'failed', schedule_name: 'Nightly', finished_at: finished }] }),
    })

    const text = widget.get('[data-test="recent-failures"]').text()
    expect(text).toMatch(/\d s ago/)
    expect(text).not.toMatch(/\bin \d/)
  })

  it('never shows a finished run as ahead, even a moment before the clock ticks', () => {
    const widget = mountWidget({
      status: status({
        recent_failures: [{ id: 8, status: 'failed', schedule_name: 'Nightly', finished_at: new Date(NOW + 3000).toISOString() }],
      }),
    })
    expect(widget.get('[data-test="recent-failures"]').text()).toContain('just now')
  })

  it('lists the next fires overall, several of one schedule, in the same words as the countdown', async () => {
    const runs = [
      { schedule_id: 'a', name: 'Often', next_run: '2026-11-27T10:59:58Z', timezone: 'UTC' },
      { schedule_id: 'a', name: 'Often', next_run: '2026-11-27T11:59:58Z', timezone: 'UTC' },
      { schedule_id: 'b', name: 'Rare', next_run: '2026-11-28T10:00:00Z', timezone: 'UTC' },
      { schedule_id: 'c', name: 'Later', next_run: '2026-11-29T10:00:00Z', timezone: 'UTC' },
    ]
    const widget = mountWidget({ status: status({ next_runs: runs }) })

    const items = widget.findAll('[data-test="upcoming"] li')
    expect(items.map((li) => li.findComponent(RouterLinkStub).text())).toEqual(['Often', 'Often', 'Rare'])
    expect(widget.get('[data-test="countdown"]').text()).toBe('in 59 min 58 s')
    expect(items[0].text()).toContain('in 59 min 58 s')

    await vi.advanceTimersByTimeAsync(2000)
    expect(widget.get('[data-test="countdown"]').text()).toBe('in 59 min 56 s')
    expect(widget.findAll('[data-test="upcoming"] li')[0].text()).toContain('in 59 min 56 s')
  })

  it('puts the unhealthy schedules first among the quick switches, saying what is wrong', () => {
    const schedules = [
      { id: 'a', name: 'Alpha', enabled: true, health: { state: 'ok', reason: null, since: null } },
      { id: 'b', name: 'Beta', enabled: true, health: { state: 'failing', reason: '2 runs in a row failed', since: null } },
      { id: 'c', name: 'Gamma', enabled: true, health: { state: 'ok', reason: null, since: null } },
    ]
    const widget = mountWidget({ schedules })

    const items = widget.findAll('[data-test="quick-switches"] li')
    expect(items.map((li) => li.findComponent(RouterLinkStub).text())).toEqual(['Beta', 'Alpha', 'Gamma'])
    const flagged = items[0].get('[data-test="quick-health"]')
    expect(flagged.text()).toContain('Failing')
    expect(flagged.attributes('title')).toBe('2 runs in a row failed')
    expect(items[1].find('[data-test="quick-health"]').exists()).toBe(false)
  })
})
