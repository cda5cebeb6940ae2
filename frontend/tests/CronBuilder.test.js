import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { enableAutoUnmount, mount } from '@vue/test-utils'
import { NSelect } from 'naive-ui'
import CronBuilder from '@/components/CronBuilder.vue'
import { scheduleApi } from '@/services/api'

vi.mock('@/services/api', async (importOriginal) => {
  const actual = await importOriginal()
  return { ...actual, scheduleApi: { previewCron: vi.fn() } }
})

enableAutoUnmount(afterEach)

function mountBuilder(props = {}) {
  const wrapper = mount(CronBuilder, {
    props: {
      modelValue: '0 * * * *',
      timezone: 'Europe/Berlin',
      'onUpdate:modelValue': (value) => wrapper.setProps({ modelValue: value }),
      ...props,
    },
  })
  return wrapper
}

function picker(wrapper, key) {
  return wrapper.findAllComponents(NSelect).find((s) => s.attributes('data-test') === `picker-${key}`)
}

beforeEach(() => {
  scheduleApi.previewCron.mockReset()
  scheduleApi.previewCron.mockImplementation(async ({ expression }) => ({
    expression,
    timezone: 'Europe/Berlin',
    description: `Described: ${expression}`,
    next_runs: ['2026-11-27T07:00:00Z', '2026-11-27T08:00:00Z'],
  }))
})

describe('CronBuilder', () => {
  it('writes the hours picked as a range into the expression', async () => {
    const builder = mountBuilder()

    picker(builder, 'hour').vm.$emit('update:value', [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23])
    await nextTick()
    picker(builder, 'dayOfWeek').vm.$emit('update:value', [1, 2, 3, 4, 5])

    expect(builder.emitted('update:modelValue')).toEqual([['0 8-23 * * *'], ['0 8-23 * * 1-5']])
  })

  it('writes a weekend pick as a list, leaving the other fields as typed', async () => {
    const builder = mountBuilder({ modelValue: '*/15 9,15,21 * * 1-5' })

    picker(builder, 'dayOfWeek').vm.$emit('update:value', [6, 0])

    expect(builder.emitted('update:modelValue').at(-1)).toEqual(['*/15 9,15,21 * * 0,6'])
  })

  it('shows a typed expression in the pickers', () => {
    const builder = mountBuilder({ modelValue: '30 9,15,21 * jan-mar sat,sun' })

    expect(picker(builder, 'minute').props('value')).toEqual([30])
    expect(picker(builder, 'hour').props('value')).toEqual([9, 15, 21])
    expect(picker(builder, 'month').props('value')).toEqual([1, 2, 3])
    expect(picker(builder, 'dayOfWeek').props('value')).toEqual([0, 6])
    expect(picker(builder, 'dayOfMonth').props('value')).toEqual([])
  })

  it('sets a preset expression', async () => {
    const builder = mountBuilder()

    await builder.get('[data-test="preset-weekdays"]').trigger('click')

    expect(builder.emitted('update:modelValue').at(-1)).toEqual(['0 9 * * 1-5'])
  })

  it('offers the server templates', async () => {
    const builder = mountBuilder({
      templates: [{ id: 'weekend_3x', name: 'Weekend 3x', description: 'd', cron_schedule: '0 9,15,21 * * 6,0' }],
    })

    await builder.get('[data-test="cron-template-weekend_3x"]').trigger('click')

    expect(builder.emitted('update:modelValue').at(-1)).toEqual(['0 9,15,21 * * 6,0'])
  })

  it('shows the preview the server gives, and asks again as the expression changes', async () => {
    const builder = mountBuilder()

    await vi.waitFor(() => expect(builder.get('[data-test="cron-preview-description"]').text()).toBe('Described: 0 * * * *'))
    expect(scheduleApi.previewCron).toHaveBeenLastCalledWith(
      { expression: '0 * * * *', timezone: 'Europe/Berlin', count: 5 },
      { signal: expect.any(AbortSignal) },
    )
    // 07:00 and 08:00 UTC are 08:00 and 09:00 in Berlin.
    const runs = builder.get('[data-test="cron-preview-runs"]').text()
    expect(runs).toContain('08:00 CET')
    expect(runs).toContain('09:00 CET')

    await builder.get('[data-test="cron-input"]').setValue('0 7 * * *')

    await vi.waitFor(() => expect(builder.get('[data-test="cron-preview-description"]').text()).toBe('Described: 0 7 * * *'))
    expect(scheduleApi.previewCron).toHaveBeenCalledTimes(2)
  })

  it('explains an invalid expression at the field', async () => {
    const { ApiError } = await import('@/services/api')
    scheduleApi.previewCron.mockRejectedValue(
      new ApiError(422, {
        message: 'expression: bad',
        errors: [{ field: 'expression', message: 'expected 5 fields (minute hour day-of-month month day-of-week), got 1' }],
      }),
    )

    const builder = mountBuilder({ modelValue: 'nonsense' })

    await vi.waitFor(() =>
      expect(builder.get('[data-test="cron-field"]').text()).toContain('expected 5 fields (minute hour day-of-month month day-of-week), got 1'),
    )
  })

  it('shows the server\'s words for an expression that never fires, as they are', async () => {
    const { ApiError } = await import('@/services/api')
    const words = 'never fires: day-of-month 30 does not occur in February'
    scheduleApi.previewCron.mockRejectedValue(
      new ApiError(422, { message: `expression: ${words}`, errors: [{ field: 'expression', message: words }] }),
    )

    const builder = mountBuilder({ modelValue: '0 0 30 2 *' })

    await vi.waitFor(() => expect(builder.get('[data-test="cron-field"]').text()).toContain(words))
    expect(builder.get('[data-test="cron-field"]').text()).not.toContain('Bad day-of-month')
  })

  it('names the range of a field the builder checks itself', async () => {
    scheduleApi.previewCron.mockImplementation(() => new Promise(() => {}))
    const builder = mountBuilder({ modelValue: '61 25 * 13 8' })

    expect(builder.get('[data-test="picker-problem-minute"]').text()).toBe('minute 61 is out of range 0-59')
    expect(builder.get('[data-test="picker-problem-hour"]').text()).toBe('hour 25 is out of range 0-23')
    expect(builder.get('[data-test="picker-problem-month"]').text()).toBe('month 13 is out of range 1-12')
    expect(builder.get('[data-test="picker-problem-dayOfWeek"]').text()).toBe('weekday 8 is out of range 0-7')
    expect(builder.find('[data-test="picker-problem-dayOfMonth"]').exists()).toBe(false)
    await nextTick()
    expect(builder.get('[data-test="cron-field"]').text()).toContain('minute 61 is out of range 0-59')
  })
})
