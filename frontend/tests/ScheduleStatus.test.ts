import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, mount, RouterLinkStub } from '@vue/test-utils'
import ScheduleStatus from '@/components/ScheduleStatus.vue'
import { scheduleApi } from '@/services/api'
import { jsonResponse, stubFetch } from './support/fetch'

enableAutoUnmount(afterEach)

const NOW = Date.parse('2026-11-27T10:00:00Z')
const status = {
  running: true,
  paused: false,
  schedules_enabled: 1,
  schedules_total: 1,
  next_runs: [{ schedule_id: 'a', name: 'Hourly', next_run: '2026-11-27T10:10:00Z', timezone: 'UTC' }],
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
  vi.setSystemTime(NOW)
})

afterEach(() => vi.useRealTimers())

describe('ScheduleStatus while the server is down', () => {
  it('stops saying "Running" and stops counting down until the server answers again', async () => {
    const fetch = stubFetch()
    fetch.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    const view = mount(ScheduleStatus, { props: { status }, global: { stubs: { RouterLink: RouterLinkStub } } })
    expect(view.get('[data-test="scheduler-state"]').text()).toBe('Running')
    expect(view.get('[data-test="countdown"]').text()).toBe('in 10 min')

    await expect(scheduleApi.getSchedulerStatus()).rejects.toMatchObject({ status: 0 })
    await vi.advanceTimersByTimeAsync(5000)

    expect(view.get('[data-test="scheduler-state"]').text()).toContain('server not reachable')
    expect(view.get('[data-test="countdown"]').text()).toBe('unknown while offline')
    expect(view.find('[data-test="pause-scheduler"]').exists()).toBe(false)

    fetch.mockResolvedValueOnce(jsonResponse(200, status))
    await scheduleApi.getSchedulerStatus()
    await vi.advanceTimersByTimeAsync(1000)
    expect(view.get('[data-test="scheduler-state"]').text()).toBe('Running')
    expect(view.get('[data-test="countdown"]').text()).toBe('in 9 min 54 s')
  })
})
