import { describe, expect, it } from 'vitest'
import { anyValue, formFromSource, mapFieldErrors, payloadFromForm } from '@/utils/scheduleForm'

const main = {
  name: 'main',
  parameters: [
    { name: 'number', flag: '-n', type: 'integer', default: 10 },
    { name: 'regions', flag: '-r', type: 'list', default: null },
    { name: 'no_purge', flag: '--no-purge', type: 'boolean', default: null },
  ],
}

describe('payloadFromForm', () => {
  it('sends set parameters, custom_args, and leaves empty ones to the server', () => {
    const form = formFromSource(
      { name: ' Weekday ', workflow_type: 'main', parameters: { regions: ['germany'], custom_args: ['--fast'] } },
      main,
    )
    const payload = payloadFromForm(form, main)

    expect(payload.name).toBe('Weekday')
    expect(payload.parameters).toEqual({ number: 10, regions: ['germany'], no_purge: false, custom_args: ['--fast'] })
    expect(payload).not.toHaveProperty('timeout_seconds')
    expect(payload.timezone).toBe('Europe/Berlin')
  })

  it('drops parameters the chosen workflow does not have', () => {
    const form = formFromSource({ workflow_type: 'main', parameters: { pre_eval_only: true } })
    expect(payloadFromForm(form, main).parameters).toEqual({})
  })
})

describe('mapFieldErrors', () => {
  it('puts each error at the closest field the form shows', () => {
    const { fields, general } = mapFieldErrors(
      [
        { field: 'cron_schedule', message: 'bad' },
        { field: 'parameters.regions.0', message: 'must be a string' },
        { field: 'expression', message: 'too short' },
        { field: 'retries', message: 'unknown' },
      ],
      ['regions'],
    )
    expect(fields).toEqual({ cron_schedule: 'bad; too short', 'parameters.regions': 'must be a string' })
    expect(general).toEqual(['retries: unknown'])
  })
})

describe('anyValue', () => {
  it('turns text that is a number as written into that number', () => {
    expect(anyValue('5')).toBe(5)
    expect(anyValue(' -2 ')).toBe(-2)
    expect(anyValue('0.8')).toBe(0.8)
  })

  it('leaves other text, lists and numbers as they are', () => {
    expect(anyValue('007')).toBe('007')
    expect(anyValue('1e3')).toBe('1e3')
    expect(anyValue('germany')).toBe('germany')
    expect(anyValue('')).toBe('')
    expect(anyValue(['1', '2'])).toEqual(['1', '2'])
    expect(anyValue(3)).toBe(3)
  })
})

describe('catch_up', () => {
  it('defaults to once and is sent as set', () => {
    expect(formFromSource({}).catch_up).toBe('once')
    const form = formFromSource({ workflow_type: 'main', catch_up: 'skip', name: 'x', cron_schedule: '0 1 * * *' }, main)
    expect(payloadFromForm(form, main).catch_up).toBe('skip')
  })
})

describe('run control in the form', () => {
  it('defaults as the server does and round-trips what a schedule has', () => {
    const blank = payloadFromForm(formFromSource({ name: 'x', workflow_type: 'main' }, main), main)
    expect(blank).toMatchObject({ max_retries: 0, retry_delay_seconds: 60, retry_backoff: 2, retry_max_delay_seconds: 3600, priority: 0 })
    expect(blank.starting_deadline_seconds).toBeNull()
    expect(blank.depends_on).toEqual([])

    const source = {
      name: 'x',
      workflow_type: 'main',
      max_retries: 2,
      retry_delay_seconds: 0,
      retry_backoff: 1.5,
      retry_max_delay_seconds: 90,
      priority: -5,
      starting_deadline_seconds: 30,
      pause_on_failure: true,
      depends_on: [{ schedule_id: 'a', on: 'always' }],
      upstream: [{ schedule_id: 'a', name: 'A', on: 'always' }],
    }
    const form = formFromSource(source, main)
    expect(form.depends_on).toEqual([{ schedule_id: 'a', on: 'always', name: 'A' }])
    expect(payloadFromForm(form, main)).toMatchObject({
      max_retries: 2,
      retry_delay_seconds: 0,
      retry_backoff: 1.5,
      retry_max_delay_seconds: 90,
      priority: -5,
      starting_deadline_seconds: 30,
      pause_on_failure: true,
      depends_on: [{ schedule_id: 'a', on: 'always' }],
    })
  })

  it('puts an upstream’s errors at its row and the list’s at the list', () => {
    const { fields, general } = mapFieldErrors([
      { field: 'depends_on.1.on', message: 'bad on' },
      { field: 'depends_on.1.schedule_id', message: 'no such schedule' },
      { field: 'depends_on', message: 'cycle: A → B → A' },
    ])
    expect(fields).toEqual({ 'depends_on.1': 'bad on; no such schedule', depends_on: 'cycle: A → B → A' })
    expect(general).toEqual([])
  })
})

describe('notify', () => {
  it('keeps the subscriptions a schedule has and sends them back as they are', () => {
    const source = { name: 'x', workflow_type: 'main', notify: [{ channel: 'c1', on: ['failed', 'recovered'] }, { channel: 'c2', on: [] }] }
    const form = formFromSource(source, main)
    expect(form.notify).toEqual(source.notify)
    form.notify[0].on.push('started')
    expect(source.notify[0].on).toEqual(['failed', 'recovered'])
    expect(payloadFromForm(form, main).notify).toEqual([
      { channel: 'c1', on: ['failed', 'recovered', 'started'] },
      { channel: 'c2', on: [] },
    ])
    expect(payloadFromForm(formFromSource({ name: 'y', workflow_type: 'main' }, main), main).notify).toEqual([])
  })

  it('puts a subscription’s errors at its row', () => {
    const { fields, general } = mapFieldErrors([
      { field: 'notify[1].channel', message: 'no channel c9' },
      { field: 'notify[0].on[2]', message: 'not an event' },
      { field: 'notify', message: 'too many' },
    ])
    expect(fields).toEqual({ 'notify[1]': 'no channel c9', 'notify[0]': 'not an event', notify: 'too many' })
    expect(general).toEqual([])
  })
})
