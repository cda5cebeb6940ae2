import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import { NPopconfirm, NSwitch } from 'naive-ui'
import ScheduleCard from '@/components/ScheduleCard.vue'
import { resetAuth, setSession } from '@/composables/useAuth'

function logIn(role) {
  setSession({ username: `a-${role}`, role, csrf_token: 't', auth_enabled: true })
}

beforeEach(() => logIn('admin'))
afterEach(resetAuth)

function run(id, status) {
  return { id, status, started_at: '2026-11-26T08:00:00Z', duration_seconds: 3.1, trigger: 'schedule' }
}

const schedule = {
  id: 'd8a013e3',
  name: 'Weekday full workflow',
  description: 'Scrape, evaluate and generate every hour on weekdays',
  enabled: true,
  workflow_type: 'main',
  parameters: { number: 3 },
  cron_schedule: '0 8-23 * * 1-5',
  cron_description: 'At 0 minutes past the hour, between 08:00 and 23:59, Monday through Friday',
  timezone: 'Europe/Berlin',
  last_run: '2026-11-26T09:00:00Z',
  last_status: 'failed',
  next_run: '2026-11-27T07:00:00Z',
  execution_history: [run(12, 'failed'), run(11, 'success'), run(10, 'timeout')],
}

function mountCard(props = {}) {
  return mount(ScheduleCard, {
    props: { schedule, ...props },
    global: { stubs: { RouterLink: RouterLinkStub } },
  })
}

describe('ScheduleCard', () => {
  it('shows the schedule in words, with the raw cron, zone and next run in that zone', () => {
    const card = mountCard()

    expect(card.get('[data-test="schedule-name"]').text()).toBe('Weekday full workflow')
    expect(card.get('[data-test="description"]').text()).toBe(schedule.description)
    expect(card.get('[data-test="cron-description"]').text()).toBe(schedule.cron_description)
    expect(card.get('[data-test="cron-expression"]').text()).toBe('0 8-23 * * 1-5')
    expect(card.get('[data-test="timezone"]').text()).toBe('Europe/Berlin')
    // 07:00 UTC is 08:00 in Berlin in November.
    expect(card.get('[data-test="next-run"]').text()).toContain('08:00')
    expect(card.get('[data-test="next-run"]').text()).toContain('CET')
  })

  it('shows the last status and a strip of the latest runs, oldest first, each linking to its run', () => {
    const card = mountCard()

    expect(card.get('[data-test="last-status"]').text()).toContain('Failed')
    const pills = card.findAllComponents(RouterLinkStub).filter((link) => link.attributes('data-test') === 'run-pill')
    expect(pills.map((p) => p.props('to'))).toEqual(['/runs/10', '/runs/11', '/runs/12'])
    expect(pills.map((p) => p.attributes('data-status'))).toEqual(['timeout', 'success', 'failed'])
  })

  it('shows its warnings, of either shape, with an icon each', () => {
    const card = mountCard({
      schedule: {
        ...schedule,
        warnings: ['Another schedule is already called “X”.', { code: 'slot_overload', message: 'Too many runs at 08:00.', instants: [] }],
      },
    })
    const warnings = card.findAll('[data-test="schedule-warning"]')
    expect(warnings.map((w) => w.attributes('data-code'))).toEqual(['duplicate_name', 'slot_overload'])
    expect(warnings[1].text()).toBe('Too many runs at 08:00.')
    expect(warnings[0].find('svg').exists()).toBe(true)
  })

  it('says why a switched-off schedule is off and when it comes back', () => {
    const off = { ...schedule, enabled: false, pause_note: 'DB migration', paused_until: '2026-12-24T17:00:00Z' }
    const card = mountCard({ schedule: off })
    expect(card.get('[data-test="pause-note"]').text()).toContain('“DB migration”')
    // 17:00 UTC is 18:00 in Berlin.
    expect(card.get('[data-test="paused-until"]').text()).toContain('18:00')
    expect(mountCard().find('[data-test="pause-note"]').exists()).toBe(false)
  })

  it('says why there is no next run', () => {
    expect(mountCard({ schedule: { ...schedule, enabled: false, next_run: null } }).get('[data-test="next-run"]').text()).toBe(
      'Disabled',
    )
    expect(
      mountCard({ schedule: { ...schedule, next_run: null }, schedulerPaused: true }).get('[data-test="next-run"]').text(),
    ).toBe('Scheduler paused')
  })

  it('emits toggle with the new state when the switch is flipped', async () => {
    const card = mountCard()

    await card.get('[data-test="toggle"]').trigger('click')

    expect(card.emitted('toggle')).toEqual([[false]])
  })

  it('emits run, edit and history from its buttons', async () => {
    const card = mountCard()

    await card.get('[data-test="run-now"]').trigger('click')
    await card.get('[data-test="edit"]').trigger('click')
    await card.get('[data-test="history"]').trigger('click')

    expect(card.emitted('run')).toHaveLength(1)
    expect(card.emitted('edit')).toHaveLength(1)
    expect(card.emitted('history')).toHaveLength(1)
  })

  it('emits delete only once the deletion is confirmed', async () => {
    const card = mountCard()

    await card.get('[data-test="delete"]').trigger('click')
    expect(card.emitted('delete')).toBeUndefined()

    card.findComponent(NPopconfirm).vm.$emit('positive-click')
    expect(card.emitted('delete')).toHaveLength(1)
  })

  it('marks a disabled schedule and spins the switch while a toggle is in flight', () => {
    const card = mountCard({ schedule: { ...schedule, enabled: false }, pending: 'toggle' })

    expect(card.classes()).toContain('is-disabled')
    expect(card.findComponent(NSwitch).props('loading')).toBe(true)
    expect(card.findComponent(NSwitch).props('value')).toBe(false)
  })

  it('shows a viewer no run, edit or delete, and a switch that only shows the state', () => {
    logIn('viewer')
    const card = mountCard()

    expect(card.find('[data-test="run-now"]').exists()).toBe(false)
    expect(card.find('[data-test="edit"]').exists()).toBe(false)
    expect(card.find('[data-test="delete"]').exists()).toBe(false)
    expect(card.findComponent(NPopconfirm).exists()).toBe(false)
    expect(card.find('[data-test="history"]').exists()).toBe(true)
    expect(card.findComponent(NSwitch).props('disabled')).toBe(true)
    expect(card.findComponent(NSwitch).props('value')).toBe(true)
  })

  it('lets an operator run and switch, but not edit or delete', () => {
    logIn('operator')
    const card = mountCard()

    expect(card.find('[data-test="run-now"]').exists()).toBe(true)
    expect(card.findComponent(NSwitch).props('disabled')).toBe(false)
    expect(card.find('[data-test="edit"]').exists()).toBe(false)
    expect(card.find('[data-test="delete"]').exists()).toBe(false)
  })

  it('shows nothing that changes the schedule to a visitor the server has not named', () => {
    resetAuth()
    const card = mountCard()

    expect(card.find('[data-test="run-now"]').exists()).toBe(false)
    expect(card.find('[data-test="delete"]').exists()).toBe(false)
  })

  it('shows its group and tags, each a link to the list filtered by it', () => {
    const card = mountCard({ schedule: { ...schedule, group: 'ETL', tags: ['nightly', 'team:data'] } })
    const links = card.findAllComponents(RouterLinkStub)
    const group = links.find((l) => l.attributes('data-test') === 'schedule-group')
    expect(group.text()).toBe('ETL')
    expect(group.props('to')).toEqual({ path: '/schedules', query: { group: 'ETL' } })
    const tags = links.filter((l) => l.attributes('data-test') === 'schedule-tag')
    expect(tags.map((t) => t.text())).toEqual(['nightly', 'team:data'])
    expect(tags[1].props('to')).toEqual({ path: '/schedules', query: { tag: 'team:data' } })

    const plain = mountCard()
    expect(plain.find('[data-test="schedule-group"]').exists()).toBe(false)
    expect(plain.find('[data-test="schedule-tag"]').exists()).toBe(false)
  })

  it('offers a clone to the role that creates schedules only', async () => {
    const card = mountCard()
    const clone = card.get('[data-test="clone"]')
    expect(clone.attributes('aria-label')).toBe('Clone “Weekday full workflow”')
    await clone.trigger('click')
    expect(card.emitted('clone')).toHaveLength(1)

    for (const role of ['operator', 'viewer']) {
      logIn(role)
      expect(mountCard().find('[data-test="clone"]').exists()).toBe(false)
    }
    resetAuth()
    expect(mountCard().find('[data-test="clone"]').exists()).toBe(false)
  })

  it('spins the clone button while the copy is made', () => {
    const card = mountCard({ pending: 'clone' })
    expect(card.get('[data-test="clone"]').classes()).toContain('n-button--loading')
  })

  it('shows its health in words with the reason when it is not ok, and nothing when it is', () => {
    const health = { state: 'late', reason: 'run #12 started 95 s after its fire at 2026-11-26T09:00:00Z', since: '2026-11-26T09:01:35Z' }
    const card = mountCard({ schedule: { ...schedule, health } })

    expect(card.attributes('data-health')).toBe('late')
    expect(card.get('[data-test="health"]').text()).toContain('Late')
    expect(card.get('[data-test="health-reason"]').text()).toBe(health.reason)
    const healthy = mountCard({ schedule: { ...schedule, health: { state: 'ok', reason: null, since: null } } })
    expect(healthy.find('[data-test="health"]').exists()).toBe(false)
  })
})
