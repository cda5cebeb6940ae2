import { afterEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { NSelect } from 'naive-ui'
import ScheduleManagerFilters from '@/components/ScheduleManagerFilters.vue'

afterEach(() => vi.restoreAllMocks())

function enabledSelect(wrapper) {
  return wrapper.findAllComponents(NSelect).find((s) => s.attributes('data-test') === 'filter-enabled')
}

describe('ScheduleManagerFilters', () => {
  it('gives the select a value it takes and the model a boolean', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const wrapper = mount(ScheduleManagerFilters, { props: { enabled: false } })
    const select = enabledSelect(wrapper)
    expect(select.props('value')).toBe('disabled')
    select.vm.$emit('update:value', 'enabled')
    expect(wrapper.emitted('update:enabled').at(-1)).toEqual([true])
    select.vm.$emit('update:value', null)
    expect(wrapper.emitted('update:enabled').at(-1)).toEqual([null])
    expect(warn.mock.calls.filter((c) => String(c[0]).includes('Invalid prop'))).toEqual([])
  })

  it('shows no choice while the filter is off', () => {
    const wrapper = mount(ScheduleManagerFilters, { props: { enabled: null } })
    expect(enabledSelect(wrapper).props('value')).toBeNull()
  })
})
