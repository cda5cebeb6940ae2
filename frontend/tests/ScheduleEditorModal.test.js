import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { NDialogProvider, NMessageProvider, NModal } from 'naive-ui'
import ScheduleEditorModal from '@/components/ScheduleEditorModal.vue'
import { resetRegistry } from '@/composables/useRegistry'
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
    },
    notificationApi: { getChannels: vi.fn(async () => ({ items: [] })) },
  }
})

enableAutoUnmount(afterEach)

const WORKFLOWS = [
  {
    name: 'main',
    description: 'Full Workflow',
    parameters: [{ name: 'number', flag: '-n', type: 'integer', default: 10, required: false, choices: null, description: '' }],
  },
]
const schedule = {
  id: 's1',
  name: 'Nightly export',
  description: '',
  enabled: true,
  workflow_type: 'main',
  parameters: { number: 3 },
  cron_schedule: '0 2 * * *',
  timezone: 'UTC',
  timeout_seconds: 600,
  concurrency_policy: 'forbid',
  catch_up: 'once',
}

beforeEach(() => {
  resetRegistry()
  for (const fn of Object.values(scheduleApi)) fn.mockReset()
  scheduleApi.getWorkflows.mockResolvedValue({ items: WORKFLOWS })
  scheduleApi.getTemplates.mockResolvedValue({ items: [] })
  scheduleApi.previewCron.mockResolvedValue({ description: 'At 02:00', next_runs: [] })
})

async function mountEditor(props = {}) {
  const onShow = vi.fn()
  const onSaved = vi.fn()
  const Host = defineComponent({
    setup: () => () =>
      h(NMessageProvider, null, () =>
        h(NDialogProvider, null, () =>
          h(ScheduleEditorModal, { show: true, schedule, 'onUpdate:show': onShow, onSaved, ...props }),
        ),
      ),
  })
  const wrapper = mount(Host, { attachTo: document.body })
  await flushPromises()
  return { wrapper, onShow, onSaved }
}

const $ = (selector) => document.body.querySelector(selector)
const text = (selector) => $(selector)?.textContent || ''

async function setInput(selector, value) {
  const input = $(selector)
  input.value = value
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

async function submit() {
  $('form').dispatchEvent(new Event('submit'))
  await flushPromises()
}

describe('ScheduleEditorModal', () => {
  it('closes at once when nothing was changed', async () => {
    const { wrapper, onShow } = await mountEditor()
    wrapper.findComponent(NModal).vm.$emit('update:show', false)
    await nextTick()
    expect(onShow).toHaveBeenCalledWith(false)
  })

  it('asks before Escape, the close button or a click outside drop unsaved edits', async () => {
    const { wrapper, onShow } = await mountEditor()
    await setInput('[data-test="name-input"]', 'Nightly export (new)')

    wrapper.findComponent(NModal).vm.$emit('update:show', false)
    await flushPromises()
    expect(document.body.textContent).toContain('Discard your changes?')
    expect(onShow).not.toHaveBeenCalled()

    $('[data-test="keep-editing"]').click()
    await flushPromises()
    expect(onShow).not.toHaveBeenCalled()
    expect($('[data-test="name-input"]').value).toBe('Nightly export (new)')

    wrapper.findComponent(NModal).vm.$emit('update:show', false)
    await flushPromises()
    $('[data-test="confirm-discard"]').click()
    await flushPromises()
    expect(onShow).toHaveBeenCalledWith(false)
  })

  it('refuses a zero or negative timeout at the field instead of making it 1 second', async () => {
    await mountEditor()
    for (const typed of ['0', '-5']) {
      await setInput('[data-test="timeout-input"]', typed)
      $('[data-test="timeout-input"]').dispatchEvent(new Event('blur'))
      await flushPromises()
      expect($('[data-test="timeout-input"]').value).toBe(typed)
      expect(text('[data-test="field-timeout_seconds"]')).toContain(
        'The timeout must be between 1 second and 7 days (604,800 seconds).',
      )
      await submit()
      expect(scheduleApi.updateSchedule).not.toHaveBeenCalled()
    }
  })

  it('says the API\'s limits in words with units', async () => {
    scheduleApi.updateSchedule.mockRejectedValue(
      new ApiError(422, {
        message: 'timeout_seconds: Input should be less than or equal to 604800',
        errors: [
          { field: 'timeout_seconds', message: 'Input should be less than or equal to 604800' },
          { field: 'description', message: 'String should have at most 2000 characters' },
        ],
      }),
    )
    await mountEditor()
    await submit()

    expect(text('[data-test="field-timeout_seconds"]')).toContain('between 1 second and 7 days (604,800 seconds)')
    expect(text('[data-test="field-timeout_seconds"]')).not.toContain('less than or equal')
    expect(text('[data-test="field-description"]')).toContain('Description can have at most 2,000 characters.')
  })

  it('marks the required fields and stops typing at the schema\'s maximum length', async () => {
    await mountEditor()
    for (const field of ['field-name', 'field-workflow_type', 'cron-field', 'field-timezone']) {
      expect($(`[data-test="${field}"] .n-form-item-label__asterisk`), field).not.toBeNull()
    }
    expect($('[data-test="field-description"] .n-form-item-label__asterisk')).toBeNull()
    expect($('[data-test="name-input"]').getAttribute('maxlength')).toBe('200')
    expect($('[data-test="cron-input"]').getAttribute('maxlength')).toBe('200')
    expect($('[data-test="field-description"] textarea').getAttribute('maxlength')).toBe('2000')
  })

  it('warns when another loaded schedule has the same name, in any case and spacing', async () => {
    await mountEditor({ siblings: [schedule, { id: 's2', name: '  Weekly CLEANUP ' }] })
    expect(text('[data-test="field-name"]')).not.toContain('Another schedule')

    await setInput('[data-test="name-input"]', 'weekly cleanup')
    expect(text('[data-test="field-name"]')).toContain('Another schedule is already called “Weekly CLEANUP”')
  })

  it('shows the warnings the server answers a save with', async () => {
    scheduleApi.updateSchedule.mockResolvedValue({ ...schedule, warnings: ['another schedule is named "Nightly export"'] })
    const { onSaved } = await mountEditor()
    await submit()

    expect(onSaved).toHaveBeenCalled()
    expect(document.body.textContent).toContain('another schedule is named "Nightly export"')
  })
})
