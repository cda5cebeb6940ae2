import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, mount, RouterLinkStub } from '@vue/test-utils'
import DashboardQueuedRuns from '@/components/DashboardQueuedRuns.vue'

enableAutoUnmount(afterEach)

const NOW = Date.parse('2026-11-27T10:00:00Z')

function queued(id: number, secondsAgo: number, name: string | null = 'Nightly') {
  return {
    id,
    schedule_name: name,
    timezone: 'Europe/Berlin',
    queued_at: new Date(NOW - secondsAgo * 1000).toISOString(),
    status: 'queued',
    command: null,
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] })
  vi.setSystemTime(NOW)
})

afterEach(() => vi.useRealTimers())

function mountList(props: Record<string, unknown>) {
  return mount(DashboardQueuedRuns, {
    props: { runs: [], ...props },
    global: { stubs: { RouterLink: RouterLinkStub } },
  })
}

describe('DashboardQueuedRuns', () => {
  it('lists each waiting run, in line, with how long it has waited, and counts on', async () => {
    const view = mountList({ runs: [queued(7, 125), queued(9, 4, null)], slots: 2 })

    const items = view.findAll('[data-test="queued-run"]')
    expect(items.map((li) => li.findComponent(RouterLinkStub).props('to'))).toEqual(['/runs/7', '/runs/9'])
    // Queued at 09:57:55 UTC, shown in the schedule's zone.
    expect(items[0].text()).toBe('Nightly #7 queued 10:57:55 · waiting 2 min 5 s')
    expect(items[1].text()).toBe('Run #9 queued 10:59:56 · waiting 4 s')
    expect(view.text()).toContain('2 runs at a time')
    expect(view.text()).not.toContain('null')

    await vi.advanceTimersByTimeAsync(3000)
    expect(view.findAll('[data-test="queued-waited"]').map((s) => s.text())).toEqual(['2 min 8 s', '7 s'])
  })

  it('says when nothing waits', () => {
    const view = mountList({ runs: [] })
    expect(view.text()).toContain('No run is waiting.')
    expect(view.find('[data-test="queued-run"]').exists()).toBe(false)
  })

  it('shows the queue in start order with priority, why each waits, and the slots', () => {
    const queue = {
      slots_total: 2,
      slots_busy: 2,
      items: [
        { position: 1, priority: 5, wait: 'slots' as const, reason: 'all 2 run slots are busy', run: { ...queued(12, 10, 'Urgent'), schedule_id: 'u', trigger: 'manual' } },
        { position: 2, priority: 0, wait: 'not_before' as const, reason: 'retry at 11:05', run: { ...queued(11, 30), schedule_id: 'n', trigger: 'retry' } },
      ],
    }
    const view = mountList({ runs: [queued(11, 30)], queue })

    const items = view.findAll('[data-test="queued-run"]')
    expect(items.map((li) => li.findComponent(RouterLinkStub).props('to'))).toEqual(['/runs/12', '/runs/11'])
    expect(items[0].find('[data-test="queue-priority"]').text()).toBe('priority 5')
    expect(items[0].find('[data-test="queue-reason"]').text()).toBe('waits for a slot: all 2 run slots are busy')
    expect(items[1].find('[data-test="queue-priority"]').exists()).toBe(false)
    expect(items[1].find('[data-test="queue-reason"]').text()).toBe('waits for its time: retry at 11:05')
    expect(items[1].text()).toContain('Retry')
    expect(view.get('[data-test="queue-slots"]').text()).toBe('2 of 2 slots busy · 2 runs at a time')
  })
})
