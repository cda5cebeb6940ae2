import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import RunStatusTag from '@/components/RunStatusTag.vue'
import RunTriggerLabel from '@/components/RunTriggerLabel.vue'

describe('RunStatusTag', () => {
  it('passes its attributes to the tag, and marks a lost run apart from a failed one', () => {
    const lost = mount(RunStatusTag, { props: { status: 'lost' }, attrs: { 'data-test': 'run-status' } })
    const failed = mount(RunStatusTag, { props: { status: 'failed' } })

    expect(lost.get('[data-test="run-status"]').text()).toBe('Lost')
    expect(lost.get('[data-status="lost"]').classes()).toContain('is-lost')
    expect(failed.get('[data-status="failed"]').classes()).not.toContain('is-lost')
  })
})

describe('RunTriggerLabel', () => {
  it('names a catch-up run and sets it apart', () => {
    const label = mount(RunTriggerLabel, { props: { trigger: 'catch_up' }, attrs: { 'data-test': 'run-trigger' } })

    expect(label.get('[data-test="run-trigger"]').text()).toBe('Catch-up')
    expect(label.get('[data-trigger="catch_up"]').classes()).toContain('is-catch_up')
  })
})
