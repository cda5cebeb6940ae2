import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { NAutoComplete, NDynamicTags, NInputNumber, NSelect, NSwitch } from 'naive-ui'
import ScheduleForm from '@/components/ScheduleForm.vue'
import { resetRegistry } from '@/composables/useRegistry'
import { learnLabels, resetLabels } from '@/composables/useScheduleLabels'
import { ApiError, scheduleApi } from '@/services/api'

vi.mock('@/services/api', async (importOriginal) => {
  const actual = await importOriginal()
  return {
    ...actual,
    scheduleApi: {
      getWorkflows: vi.fn(),
      getTemplates: vi.fn(),
      previewCron: vi.fn(),
      createSchedule: vi.fn(),
      updateSchedule: vi.fn(),
      getSchedules: vi.fn(),
    },
    notificationApi: { getChannels: vi.fn(async () => ({ items: [] })) },
  }
})

const WORKFLOWS = [
  {
    name: 'main',
    description: 'Full Workflow',
    parameters: [
      { name: 'number', flag: '-n', type: 'integer', default: 10, required: false, choices: null, description: 'How many' },
      { name: 'regions', flag: '-r', type: 'list', default: null, required: false, choices: null, description: 'Regions' },
      { name: 'output_dir', flag: '-o', type: 'string', default: null, required: false, choices: null, description: 'Out' },
      { name: 'no_purge', flag: '--no-purge', type: 'boolean', default: null, required: false, choices: null, description: 'Keep' },
      { name: 'mode', flag: '--mode', type: 'string', default: 'fast', required: false, choices: ['fast', 'full'], description: 'Mode' },
    ],
  },
  { name: 'evaluate', description: 'Evaluation Only', parameters: [] },
]

enableAutoUnmount(afterEach)

beforeEach(() => {
  resetRegistry()
  for (const fn of Object.values(scheduleApi)) fn.mockReset()
  scheduleApi.getWorkflows.mockResolvedValue({ items: WORKFLOWS })
  scheduleApi.getTemplates.mockResolvedValue({ items: [] })
  scheduleApi.previewCron.mockResolvedValue({ description: 'Every hour', next_runs: [] })
})

async function mountForm(props = {}) {
  const form = mount(ScheduleForm, { props, attachTo: document.body })
  await flushPromises()
  return form
}

function formItem(form, dataTest) {
  return form.get(`[data-test="${dataTest}"]`)
}

describe('ScheduleForm', () => {
  it('shows each 422 error at its field', async () => {
    scheduleApi.createSchedule.mockRejectedValue(
      new ApiError(422, {
        error: 'validation_error',
        message: 'name: String should have at least 1 character',
        errors: [
          { field: 'name', message: 'String should have at least 1 character' },
          { field: 'cron_schedule', message: 'invalid cron expression: Bad day-of-week' },
          { field: 'parameters.number', message: 'must be of type integer' },
        ],
      }),
    )
    const form = await mountForm({ initial: { name: ' ', workflow_type: 'main', cron_schedule: '0 8 * * 9' } })
    form.vm.form.name = 'Nightly'
    await flushPromises()

    await form.get('form').trigger('submit')
    await flushPromises()

    // In words, not the validator's.
    expect(formItem(form, 'field-name').text()).toContain('Name is required.')
    expect(formItem(form, 'field-name').text()).not.toContain('String should have')
    expect(formItem(form, 'cron-field').text()).toContain('invalid cron expression: Bad day-of-week')
    expect(formItem(form, 'param-number').text()).toContain('must be of type integer')
    expect(form.find('[data-test="form-error"]').exists()).toBe(false)
    expect(form.emitted('saved')).toBeUndefined()
  })

  it('clears a field error once that field is changed', async () => {
    scheduleApi.createSchedule.mockRejectedValue(
      new ApiError(422, { errors: [{ field: 'name', message: 'String should have at least 1 character' }] }),
    )
    const form = await mountForm()
    await form.get('form').trigger('submit')
    await flushPromises()
    expect(formItem(form, 'field-name').text()).toContain('Name is required.')

    await form.get('[data-test="name-input"]').setValue('Nightly')

    expect(formItem(form, 'field-name').text()).not.toContain('Name is required.')
  })

  it('shows errors for fields it has no place for above the form', async () => {
    scheduleApi.createSchedule.mockRejectedValue(
      new ApiError(422, { message: 'bad', errors: [{ field: 'retries', message: 'must be at most 10' }] }),
    )
    const form = await mountForm({ initial: { name: 'Nightly' } })

    await form.get('form').trigger('submit')
    await flushPromises()

    expect(form.get('[data-test="form-error"]').text()).toContain('retries: must be at most 10')
  })

  it('builds inputs from the parameter types', async () => {
    const form = await mountForm({ initial: { workflow_type: 'main' } })

    expect(formItem(form, 'param-number').findComponent(NInputNumber).props('value')).toBe(10)
    expect(formItem(form, 'param-regions').findComponent(NDynamicTags).exists()).toBe(true)
    expect(formItem(form, 'param-output_dir').find('input').exists()).toBe(true)
    expect(formItem(form, 'param-no_purge').findComponent(NSwitch).exists()).toBe(true)
    expect(formItem(form, 'param-mode').findComponent(NSelect).props('options')).toEqual([
      { label: 'fast', value: 'fast' },
      { label: 'full', value: 'full' },
    ])
  })

  it('creates the schedule from the form and reports it saved', async () => {
    const saved = { id: 'new', name: 'Weekday hourly' }
    scheduleApi.createSchedule.mockResolvedValue(saved)
    const form = await mountForm({
      initial: {
        name: 'Weekday hourly',
        workflow_type: 'main',
        cron_schedule: '0 8-23 * * 1-5',
        parameters: { regions: ['germany', 'austria'], custom_args: ['--fast'] },
      },
    })

    await form.get('form').trigger('submit')
    await flushPromises()

    expect(scheduleApi.createSchedule).toHaveBeenCalledWith({
      name: 'Weekday hourly',
      description: '',
      enabled: true,
      workflow_type: 'main',
      parameters: { number: 10, regions: ['germany', 'austria'], no_purge: false, mode: 'fast', custom_args: ['--fast'] },
      cron_schedule: '0 8-23 * * 1-5',
      timezone: 'Europe/Berlin',
      concurrency_policy: 'forbid',
      catch_up: 'once',
      max_retries: 0,
      retry_delay_seconds: 60,
      retry_backoff: 2,
      retry_max_delay_seconds: 3600,
      priority: 0,
      starting_deadline_seconds: null,
      pause_on_failure: false,
      depends_on: [],
      group: null,
      tags: [],
      notify: [],
    })
    expect(form.emitted('saved')).toEqual([[saved]])
  })

  it('updates an existing schedule', async () => {
    const schedule = {
      id: 's1',
      name: 'Eval',
      description: '',
      enabled: false,
      workflow_type: 'evaluate',
      parameters: {},
      cron_schedule: '0 7 * * *',
      timezone: 'UTC',
      timeout_seconds: 600,
      concurrency_policy: 'allow',
      catch_up: 'skip',
    }
    scheduleApi.updateSchedule.mockResolvedValue(schedule)
    const form = await mountForm({ schedule })

    await form.get('form').trigger('submit')
    await flushPromises()

    expect(scheduleApi.updateSchedule).toHaveBeenCalledWith(
      's1',
      expect.objectContaining({
        enabled: false,
        timezone: 'UTC',
        timeout_seconds: 600,
        concurrency_policy: 'allow',
        catch_up: 'skip',
      }),
    )
    expect(scheduleApi.createSchedule).not.toHaveBeenCalled()
  })

  it('offers the catch-up policy with a line on what it does', async () => {
    const form = await mountForm({ initial: { name: 'Nightly', workflow_type: 'main' } })
    const item = formItem(form, 'field-catch_up')

    expect(item.findComponent(NSelect).props('value')).toBe('once')
    expect(item.findComponent(NSelect).props('options').map((o) => o.value)).toEqual(['once', 'skip'])
    expect(item.text()).toContain('missed while tickwork was down')

    await item.findComponent(NSelect).vm.$emit('update:value', 'skip')
    scheduleApi.createSchedule.mockResolvedValue({ id: 'x', name: 'x' })
    await form.get('form').trigger('submit')
    await flushPromises()
    expect(scheduleApi.createSchedule.mock.calls[0][0].catch_up).toBe('skip')
  })
})

describe('ScheduleForm group and tags', () => {
  afterEach(resetLabels)

  const tagged = {
    id: 's9',
    name: 'Load',
    description: '',
    enabled: true,
    workflow_type: 'evaluate',
    parameters: {},
    cron_schedule: '0 3 * * *',
    timezone: 'UTC',
    group: 'ETL',
    tags: ['nightly', 'team:data'],
  }

  it('shows the group and tags and sends them back as they came', async () => {
    scheduleApi.updateSchedule.mockResolvedValue(tagged)
    const form = await mountForm({ schedule: tagged })
    expect(formItem(form, 'field-group').findComponent(NAutoComplete).props('value')).toBe('ETL')
    expect(formItem(form, 'field-tags').findComponent(NSelect).props('value')).toEqual(['nightly', 'team:data'])
    expect(form.vm.dirty).toBe(false)

    await form.get('form').trigger('submit')
    await flushPromises()
    expect(scheduleApi.updateSchedule.mock.calls[0][1]).toMatchObject({ group: 'ETL', tags: ['nightly', 'team:data'] })
  })

  it('clears an emptied group with null and sends a changed list of tags', async () => {
    scheduleApi.updateSchedule.mockResolvedValue(tagged)
    const form = await mountForm({ schedule: tagged })
    await formItem(form, 'field-group').findComponent(NAutoComplete).vm.$emit('update:value', '  ')
    await formItem(form, 'field-tags').findComponent(NSelect).vm.$emit('update:value', ['team:data', 'v1.2'])
    expect(form.vm.dirty).toBe(true)

    await form.get('form').trigger('submit')
    await flushPromises()
    expect(scheduleApi.updateSchedule.mock.calls[0][1]).toMatchObject({ group: null, tags: ['team:data', 'v1.2'] })
  })

  it('refuses a tag the server would refuse, at once and before sending', async () => {
    const form = await mountForm({ schedule: tagged })
    await formItem(form, 'field-tags').findComponent(NSelect).vm.$emit('update:value', ['nightly', 'two words'])
    expect(formItem(form, 'field-tags').text()).toContain('“two words” is not a tag')

    await form.get('form').trigger('submit')
    await flushPromises()
    expect(scheduleApi.updateSchedule).not.toHaveBeenCalled()
    expect(formItem(form, 'field-tags').text()).toContain('no spaces')

    await formItem(form, 'field-tags').findComponent(NSelect).vm.$emit('update:value', Array.from({ length: 21 }, (_, i) => `t${i}`))
    expect(formItem(form, 'field-tags').text()).toContain('At most 20 tags.')
  })

  it('suggests the groups and tags other schedules use', async () => {
    learnLabels([{ group: 'ETL' }, { group: 'Reports', tags: ['weekly'] }, { group: 'etl-legacy', tags: ['nightly'] }])
    const form = await mountForm({ initial: { name: 'New', workflow_type: 'main' } })
    const group = formItem(form, 'field-group').findComponent(NAutoComplete)
    expect(group.props('options')).toEqual(['ETL', 'etl-legacy', 'Reports'])
    await group.vm.$emit('update:value', 'et')
    expect(group.props('options')).toEqual(['ETL', 'etl-legacy'])
    const tags = formItem(form, 'field-tags').findComponent(NSelect)
    expect(tags.props('options').map((o) => o.value)).toEqual(['nightly', 'weekly'])
  })

  it('shows a 422 on one tag at the tags field', async () => {
    scheduleApi.createSchedule.mockRejectedValue(
      new ApiError(422, {
        error: 'validation_error',
        message: '1 problem',
        errors: [{ field: 'tags.1', message: 'String should match pattern' }],
      }),
    )
    const form = await mountForm({ initial: { name: 'New', workflow_type: 'main', tags: ['a', 'b'] } })
    await form.get('form').trigger('submit')
    await flushPromises()
    expect(formItem(form, 'field-tags').text()).toContain('String should match pattern')
  })
})

describe('ScheduleForm run control', () => {
  const schedule = {
    id: 's2',
    name: 'Load',
    description: '',
    enabled: true,
    workflow_type: 'evaluate',
    parameters: {},
    cron_schedule: '0 3 * * *',
    timezone: 'UTC',
    timeout_seconds: 600,
    concurrency_policy: 'buffer_one',
    catch_up: 'once',
    max_retries: 3,
    retry_delay_seconds: 30,
    retry_backoff: 3,
    retry_max_delay_seconds: 600,
    priority: 7,
    starting_deadline_seconds: 120,
    pause_on_failure: true,
    depends_on: [{ schedule_id: 'up1', on: 'failure' }],
    upstream: [{ schedule_id: 'up1', name: 'Extract', on: 'failure' }],
  }

  it('sends every run-control field back as it came (a round trip)', async () => {
    scheduleApi.updateSchedule.mockResolvedValue(schedule)
    const form = await mountForm({ schedule })
    expect(form.vm.dirty).toBe(false)

    await form.get('form').trigger('submit')
    await flushPromises()

    expect(scheduleApi.updateSchedule.mock.calls[0][1]).toMatchObject({
      concurrency_policy: 'buffer_one',
      max_retries: 3,
      retry_delay_seconds: 30,
      retry_backoff: 3,
      retry_max_delay_seconds: 600,
      priority: 7,
      starting_deadline_seconds: 120,
      pause_on_failure: true,
      depends_on: [{ schedule_id: 'up1', on: 'failure' }],
    })
  })

  it('shows the upstream by name and the waits between retries in words', async () => {
    const form = await mountForm({ schedule })

    expect(form.get('[data-test="depends-on-row"]').text()).toContain('Extract')
    expect(form.get('[data-test="retry-preview"]').text()).toBe('A failed or timed-out run is tried 3 more times: then 30 s, 1 min 30 s, 4 min 30 s.')
    expect(formItem(form, 'field-concurrency_policy').text()).toContain('At most one run waits')
  })

  it('clears the start deadline with null when it is switched off', async () => {
    scheduleApi.updateSchedule.mockResolvedValue(schedule)
    const form = await mountForm({ schedule })

    await formItem(form, 'field-starting_deadline_seconds').findComponent(NSwitch).vm.$emit('update:value', false)
    await form.get('form').trigger('submit')
    await flushPromises()

    expect(scheduleApi.updateSchedule.mock.calls[0][1].starting_deadline_seconds).toBeNull()
  })

  it('adds an upstream found by name, and leaves itself out of the choice', async () => {
    scheduleApi.getSchedules.mockResolvedValue({
      items: [
        { id: 's2', name: 'Load' },
        { id: 'up2', name: 'Transform' },
      ],
    })
    scheduleApi.updateSchedule.mockResolvedValue(schedule)
    const form = await mountForm({ schedule })
    const search = formItem(form, 'field-depends_on').findAllComponents(NSelect).at(-1)

    search.vm.$emit('focus')
    await flushPromises()
    expect(search.props('options')).toEqual([{ value: 'up2', label: 'Transform' }])
    search.vm.$emit('update:value', 'up2')
    await flushPromises()
    await form.get('form').trigger('submit')
    await flushPromises()

    expect(scheduleApi.updateSchedule.mock.calls[0][1].depends_on).toEqual([
      { schedule_id: 'up1', on: 'failure' },
      { schedule_id: 'up2', on: 'success' },
    ])
  })

  it('shows a 422 on an upstream at its row, and one on the retries at their field', async () => {
    scheduleApi.updateSchedule.mockRejectedValue(
      new ApiError(422, {
        errors: [
          { field: 'depends_on.0.on', message: "Input should be 'success', 'failure' or 'always'" },
          { field: 'max_retries', message: 'Input should be less than or equal to 100' },
        ],
      }),
    )
    const form = await mountForm({ schedule })

    await form.get('form').trigger('submit')
    await flushPromises()

    expect(form.get('[data-test="depends-on-error"]').text()).toBe('Run after must be one of success, failure or always.')
    expect(formItem(form, 'field-max_retries').text()).toContain('Retries can be at most 100.')
    expect(form.find('[data-test="form-error"]').exists()).toBe(false)
  })

  it('refuses out-of-range numbers before sending', async () => {
    const form = await mountForm({ schedule })
    form.vm.form.retry_backoff = 20
    form.vm.form.priority = 101
    await flushPromises()

    await form.get('form').trigger('submit')
    await flushPromises()

    expect(scheduleApi.updateSchedule).not.toHaveBeenCalled()
    expect(formItem(form, 'field-retry_backoff').text()).toContain('Backoff factor must be between 1 and 10.')
    expect(formItem(form, 'field-priority').text()).toContain('Priority must be between -100 and 100.')
  })

  it('shows the preview’s warnings under the cron field, and still saves', async () => {
    scheduleApi.previewCron.mockResolvedValue({
      description: 'At 03:00',
      next_runs: [],
      warnings: [{ code: 'self_overlap', message: 'Runs take longer than the gap between fires.', instants: ['2026-12-03T03:00:00Z'] }],
    })
    scheduleApi.updateSchedule.mockResolvedValue(schedule)
    const form = await mountForm({ schedule })
    await new Promise((r) => setTimeout(r, 0))
    await flushPromises()

    expect(scheduleApi.previewCron).toHaveBeenCalledWith(
      expect.objectContaining({ schedule_id: 's2', timeout_seconds: 600, concurrency_policy: 'buffer_one' }),
      { signal: expect.any(AbortSignal) },
    )
    expect(form.get('[data-test="schedule-warning"]').attributes('data-code')).toBe('self_overlap')
    expect(form.get('[data-test="schedule-warning"]').text()).toContain('Runs take longer than the gap between fires.')
    await form.get('form').trigger('submit')
    await flushPromises()
    expect(scheduleApi.updateSchedule).toHaveBeenCalled()
  })
})

describe('ScheduleForm with a short-form registry parameter (type any)', () => {
  const SEED = [
    {
      name: 'seed',
      description: 'Seed workflow',
      parameters: [{ name: 'number', flag: '-n', type: 'any', default: null, required: false, choices: null, description: '' }],
    },
  ]

  beforeEach(() => {
    scheduleApi.getWorkflows.mockResolvedValue({ items: SEED })
    scheduleApi.createSchedule.mockResolvedValue({ id: 'x', name: 'x' })
  })

  async function submitWith(text) {
    const form = await mountForm({ initial: { name: 'Seed', workflow_type: 'seed' } })
    await form.get('[data-test="param-number-input"]').setValue(text)
    await form.get('form').trigger('submit')
    await flushPromises()
    return scheduleApi.createSchedule.mock.calls.at(-1)[0].parameters
  }

  it('is a text field that says how its value is sent', async () => {
    const form = await mountForm({ initial: { workflow_type: 'seed' } })
    const item = formItem(form, 'param-number')

    expect(item.find('[data-test="param-number-input"]').exists()).toBe(true)
    expect(item.findComponent(NInputNumber).exists()).toBe(false)
    expect(item.text()).toContain('sent as a number when it is one')
  })

  it('sends numeric text as a number and anything else as text', async () => {
    expect(await submitWith('5')).toEqual({ number: 5 })
    expect(await submitWith('0.8')).toEqual({ number: 0.8 })
    expect(await submitWith('germany')).toEqual({ number: 'germany' })
    expect(await submitWith('007')).toEqual({ number: '007' })
    expect(await submitWith('')).toEqual({})
  })

  it('keeps a stored list as a list, and can switch between one value and several', async () => {
    const form = await mountForm({ initial: { workflow_type: 'seed', parameters: { number: ['a', 'b'] } } })
    expect(formItem(form, 'param-number').findComponent(NDynamicTags).props('value')).toEqual(['a', 'b'])

    await form.get('[data-test="param-number-mode"]').trigger('click')
    expect(form.vm.form.parameters.number).toBe('a b')
    await form.get('[data-test="param-number-mode"]').trigger('click')
    expect(form.vm.form.parameters.number).toEqual(['a b'])
  })
})

describe('ScheduleForm with the registry already loaded', () => {
  it('starts a blank schedule on the first workflow type', async () => {
    await mountForm().then((form) => form.unmount())
    // A second form gets the cached registry at once and must still pick a type.
    const form = await mountForm()

    expect(form.vm.form.workflow_type).toBe('main')
    expect(formItem(form, 'param-number').exists()).toBe(true)
  })
})
