import { describe, expect, it } from 'vitest'
import { actionLabel, actionTagType, auditTarget, summarizeDetail } from '@/utils/audit'

const entry = (action, target_type, target_id, detail = {}) => ({ action, target_type, target_id, detail })

describe('audit entries in words', () => {
  it('names the action, and marks removals and failed logins', () => {
    expect(actionLabel('schedule.create')).toBe('Created schedule')
    expect(actionLabel('schedule.restore')).toBe('Restored schedules')
    expect(actionLabel('something.new')).toBe('something.new')
    expect(actionTagType('schedule.delete')).toBe('error')
    expect(actionTagType('auth.login_failed')).toBe('warning')
    expect(actionTagType('schedule.create')).toBe('success')
  })

  it('summarises what changed', () => {
    expect(summarizeDetail(entry('schedule.update', 'schedule', 's', { name: 'N', fields: ['cron_schedule', 'catch_up'] }))).toBe(
      'Changed cron, catch-up',
    )
    expect(summarizeDetail(entry('schedule.update', 'schedule', 's', { name: 'N', fields: [] }))).toBe('Saved without changes')
    expect(summarizeDetail(entry('schedule.toggle', 'schedule', 's', { enabled: false }))).toBe('Disabled')
    expect(summarizeDetail(entry('schedule.run', 'schedule', 's', { run_id: 4, status: 'skipped' }))).toMatch(/^Skipped/)
    expect(summarizeDetail(entry('schedule.import', 'schedule', null, { created: 2, updated: 1, total: 3 }))).toBe(
      '2 created, 1 updated',
    )
    expect(
      summarizeDetail(entry('schedule.restore', 'schedule', null, { created: 1, updated: 0, total: 2, backup: 'schedules.json', removed: 3 })),
    ).toBe('From schedules.json: 1 created, 0 kept, 3 removed')
    expect(summarizeDetail(entry('user.update', 'user', 'ada', { fields: ['password', 'role'], role: 'viewer' }))).toBe(
      'Role set to viewer · Password changed',
    )
    expect(summarizeDetail(entry('auth.login_failed', 'user', 'ada', { address: '10.0.0.5' }))).toBe('From 10.0.0.5')
    expect(summarizeDetail(entry('custom.thing', 'x', 'y', { a: 1, b: ['c', 'd'] }))).toBe('a: 1 · b: c, d')
  })

  it('finds the schedule, run or user an entry is about', () => {
    expect(auditTarget(entry('schedule.run', 'schedule', 's1', { name: 'Nightly', run_id: 9 }))).toEqual({
      type: 'schedule',
      id: 's1',
      label: 'Nightly',
      runId: 9,
    })
    expect(auditTarget(entry('run.cancel', 'run', '9', { schedule_id: 's1' }))).toMatchObject({ type: 'run', id: '9', label: 'Run #9' })
    expect(auditTarget(entry('schedule.import', 'schedule', null))).toEqual({ type: 'none', label: 'Schedules' })
    expect(auditTarget(entry('scheduler.pause', 'scheduler', null)).label).toBe('Scheduler')
  })
})
