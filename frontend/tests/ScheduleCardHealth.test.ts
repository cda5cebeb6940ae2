import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, mount, RouterLinkStub } from '@vue/test-utils'
import DashboardUnhealthySchedules from '@/components/DashboardUnhealthySchedules.vue'
import ScheduleCardHealth from '@/components/ScheduleCardHealth.vue'
import { healthLabel, unhealthyFirst } from '@/utils/health'

enableAutoUnmount(afterEach)

const NOW = Date.parse('2026-11-30T12:00:00Z')

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] })
  vi.setSystemTime(NOW)
})

afterEach(() => vi.useRealTimers())

const failing = {
  state: 'failing',
  reason: '2 runs in a row failed; the last, run #41, timed out',
  since: '2026-11-30T11:00:00Z',
}

describe('ScheduleCardHealth', () => {
  it('says the state in words with the reason and since when, not by colour alone', () => {
    const view = mount(ScheduleCardHealth, { props: { health: failing, timezone: 'Europe/Berlin' } })

    const box = view.get('[data-test="health"]')
    expect(box.attributes('role')).toBe('status')
    expect(box.attributes('data-state')).toBe('failing')
    expect(box.text()).toContain('Failing')
    expect(view.get('[data-test="health-reason"]').text()).toBe(failing.reason)
    expect(box.text()).toContain('since 1 h ago')
  })

  it('shows nothing while the schedule is healthy, or before the server sent a health', () => {
    for (const health of [{ state: 'ok', reason: null, since: null }, null, undefined]) {
      const view = mount(ScheduleCardHealth, { props: { health } })
      expect(view.find('[data-test="health"]').exists()).toBe(false)
    }
  })

  it('names every state in words', () => {
    expect(['stuck', 'failing', 'missed', 'late', 'ok'].map((state) => healthLabel({ state }))).toEqual([
      'Stuck',
      'Failing',
      'Missed a run',
      'Late',
      'Healthy',
    ])
  })
})

describe('DashboardUnhealthySchedules', () => {
  const listed = [
    { id: 'a', name: 'Long import', health: { state: 'stuck', reason: 'run #9 has been running for more than 1 h', since: null } },
    { id: 'b', name: 'Nightly report', health: failing },
    { id: 'c', name: 'Hourly sync', health: { state: 'missed', reason: 'the fire due at 2026-11-30T10:00:00Z did not run', since: null } },
  ]

  it('lists the schedules in the order the server ranked them, each with its reason and a link', () => {
    const view = mount(DashboardUnhealthySchedules, {
      props: { schedules: listed },
      global: { stubs: { RouterLink: RouterLinkStub } },
    })

    const items = view.findAll('[data-test="unhealthy-schedule"]')
    expect(items.map((li) => li.findComponent(RouterLinkStub).text())).toEqual(['Long import', 'Nightly report', 'Hourly sync'])
    expect(items.map((li) => li.findComponent(RouterLinkStub).props('to'))).toEqual(['/schedules/a', '/schedules/b', '/schedules/c'])
    expect(items[1].text()).toContain('Failing')
    expect(items[1].get('[data-test="health-reason"]').text()).toBe(failing.reason)
    expect(view.text()).toContain('Needs attention (3)')
  })

  it('takes no room when every schedule is healthy', () => {
    const view = mount(DashboardUnhealthySchedules, {
      props: { schedules: [] },
      global: { stubs: { RouterLink: RouterLinkStub } },
    })
    expect(view.find('[data-test="unhealthy-schedules"]').exists()).toBe(false)
  })
})

describe('unhealthyFirst', () => {
  it('puts the most urgent first and keeps the others in their order', () => {
    const schedules = [
      { id: 'ok1' },
      { id: 'late', health: { state: 'late' } },
      { id: 'ok2', health: { state: 'ok' } },
      { id: 'stuck', health: { state: 'stuck' } },
      { id: 'failing', health: { state: 'failing' } },
    ]
    expect(unhealthyFirst(schedules).map((s: { id: string }) => s.id)).toEqual(['stuck', 'failing', 'late', 'ok1', 'ok2'])
    expect(schedules[0].id).toBe('ok1') // the input is left as it was
  })
})
