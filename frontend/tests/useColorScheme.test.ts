import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Window as HappyDOMWindow } from 'happy-dom'
import { effectScope, type EffectScope } from 'vue'
import { COLOR_SCHEME_STORAGE_KEY, createColorScheme } from '@/composables/useColorScheme'

// happy-dom evaluates prefers-color-scheme from its device settings and tells a media query
// list's listeners on a resize: that is how the operating system's switch is played here.
function setSystemScheme(scheme: 'light' | 'dark') {
  const happy = window as unknown as HappyDOMWindow
  happy.happyDOM.settings.device.prefersColorScheme = scheme
  window.dispatchEvent(new Event('resize'))
}

let scope: EffectScope

function start() {
  scope = effectScope()
  return scope.run(createColorScheme)!
}

beforeEach(() => {
  localStorage.clear()
  setSystemScheme('light')
  delete document.documentElement.dataset.theme
})

afterEach(() => scope?.stop())

describe('useColorScheme', () => {
  it('follows the system under the default choice, live', () => {
    const state = start()
    expect(state.choice.value).toBe('system')
    expect(state.scheme.value).toBe('light')
    expect(document.documentElement.dataset.theme).toBe('light')

    setSystemScheme('dark')
    expect(state.scheme.value).toBe('dark')
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(document.documentElement.style.colorScheme).toBe('dark')

    setSystemScheme('light')
    expect(document.documentElement.dataset.theme).toBe('light')
  })

  it('starts dark when the system is dark', () => {
    setSystemScheme('dark')
    expect(start().scheme.value).toBe('dark')
  })

  it('keeps a chosen scheme whatever the system does', () => {
    const state = start()
    state.setChoice('dark')
    expect(document.documentElement.dataset.theme).toBe('dark')
    setSystemScheme('light')
    expect(state.scheme.value).toBe('dark')

    state.setChoice('light')
    setSystemScheme('dark')
    expect(document.documentElement.dataset.theme).toBe('light')
  })

  it('keeps the choice across visits, and forgets it on "system"', () => {
    start().setChoice('dark')
    expect(localStorage.getItem(COLOR_SCHEME_STORAGE_KEY)).toBe('dark')
    scope.stop()
    delete document.documentElement.dataset.theme

    const again = start()
    expect(again.choice.value).toBe('dark')
    expect(document.documentElement.dataset.theme).toBe('dark')

    again.setChoice('system')
    expect(localStorage.getItem(COLOR_SCHEME_STORAGE_KEY)).toBeNull()
    expect(again.scheme.value).toBe('light')
  })

  it('ignores a stored value it does not know', () => {
    localStorage.setItem(COLOR_SCHEME_STORAGE_KEY, 'sepia')
    expect(start().choice.value).toBe('system')
  })

  it('stops following the system once its scope ends', () => {
    const state = start()
    scope.stop()
    setSystemScheme('dark')
    expect(state.scheme.value).toBe('light')
  })
})
