import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { NCard, NDynamicTags, NInputNumber } from 'naive-ui'
import { installNaiveA11y } from '@/utils/naiveA11y'

enableAutoUnmount(afterEach)

describe('installNaiveA11y', () => {
  it('gives a card title one heading with a level, and names the icon buttons of number and list fields', async () => {
    const host = document.createElement('div')
    document.body.append(host)
    installNaiveA11y(host)
    const shown = ref(false)
    const Page = defineComponent(() => () =>
      shown.value
        ? h(NCard, { title: 'When' }, () => [h(NInputNumber, { value: 3 }), h(NDynamicTags, { value: ['a'] })])
        : null,
    )
    mount(Page, { attachTo: host })
    // Drawn after the observer started, as a page that loads its data draws it.
    shown.value = true
    await nextTick()
    await flushPromises()

    const headings = host.querySelectorAll('[role="heading"]')
    expect(headings).toHaveLength(1)
    expect(headings[0].textContent).toBe('When')
    expect(headings[0].getAttribute('aria-level')).toBe('2')
    expect(host.querySelector('.n-card-header')?.getAttribute('role')).toBe('none')
    const names = [...host.querySelectorAll('button.n-button')].map((b) => b.getAttribute('aria-label'))
    expect(names).toEqual(['Decrease', 'Increase', 'Add a value'])
  })
})
