import type { Directive } from 'vue'

/**
 * `v-control-name="'Sort schedules'"`: an accessible name for a Naive UI select, whose
 * focusable element (a div) takes no label of its own and has no attribute to pass one.
 * That element gets the name and the role of a button that opens a list; a filterable
 * select's text input gets the name too. Vue leaves attributes it does not render alone,
 * so they stay across the select's own updates; the parent's updates refresh the name
 * (it may say the current choice).
 */
function name(el: HTMLElement, label: string) {
  const focusable = el.querySelectorAll<HTMLElement>('.n-base-selection-label, .n-base-selection-tags')
  for (const target of focusable) {
    target.setAttribute('role', 'button')
    target.setAttribute('aria-haspopup', 'listbox')
    target.setAttribute('aria-label', label)
  }
  for (const input of el.querySelectorAll<HTMLInputElement>('input')) input.setAttribute('aria-label', label)
}

export const vControlName: Directive<HTMLElement, string> = {
  mounted: (el, binding) => name(el, binding.value),
  updated: (el, binding) => name(el, binding.value),
}
