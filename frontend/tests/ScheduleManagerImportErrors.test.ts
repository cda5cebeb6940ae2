import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import ScheduleManagerImportErrors from '@/components/ScheduleManagerImportErrors.vue'

const document = {
  version: 1,
  schedules: [
    { name: 'Weekday hourly', cron_schedule: '0 8-23 * * 1-5' },
    { name: 'Nightly export', timezone: 'Mars/Olympus', timeout_seconds: 0 },
    { cron_schedule: '61 * * * *' },
  ],
}

describe('ScheduleManagerImportErrors', () => {
  it('lists every problem at its place: which schedule, by index and name, and which field in words', () => {
    const view = mount(ScheduleManagerImportErrors, {
      props: {
        document,
        message: '4 problem(s) found',
        errors: [
          { field: 'schedules.2.cron_schedule', message: 'minute 61 is out of range 0-59' },
          { field: 'schedules.1.timezone', message: 'unknown time zone: Mars/Olympus' },
          { field: 'schedules.1.timeout_seconds', message: 'Input should be greater than or equal to 1' },
          { field: 'schedules.2.name', message: 'Field required' },
        ],
      },
    })

    const items = view.findAll('[data-test="import-problem"]').map((li) => li.text())
    expect(items).toEqual([
      'Schedule 2 “Nightly export” (index 1), time zone: unknown time zone: Mars/Olympus',
      'Schedule 2 “Nightly export” (index 1), timeout: The timeout must be between 1 second and 7 days (604,800 seconds).',
      'Schedule 3 (index 2), cron expression: minute 61 is out of range 0-59',
      'Schedule 3 (index 2), name: Name is required.',
    ])
    expect(view.text()).toContain('4 problems in 2 schedules; nothing was imported.')
    expect(view.text()).not.toContain('problem(s)')
  })

  it('names problems with the file as a whole, and falls back to the message when none are listed', () => {
    const view = mount(ScheduleManagerImportErrors, {
      props: { document: {}, errors: [{ field: 'version', message: 'unknown field' }], message: 'bad' },
    })
    expect(view.get('[data-test="import-problem"]').text()).toBe('The file, version: Version is not a field tickwork knows.')

    const bare = mount(ScheduleManagerImportErrors, { props: { errors: [], message: 'broken.json is not a JSON file.' } })
    expect(bare.text()).toBe('broken.json is not a JSON file.')
  })
})
