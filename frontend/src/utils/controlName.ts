import type { Directive } from 'vue'

/**
 * `v-control-name="'Sort schedules'"`: an accessible name for a Naive UI select, whose
 * focusable element (a div) takes no label of its own and has no attribute to pass one.
 * That element gets the name and the role of a combobox that opens a list (not a button:
 * a button is named by its text, and a name that does not contain the text shown, "Any
 * workflow" under "Workflow: any", misleads speech input; nor may a button hold the text
 * field of a filterable select); that text field gets the name too. Vue leaves attributes it does not render alone,
 * so they stay across the select's own updates; the parent's updates refresh the name
 * (it may say the current choice).
 */
function name(el: HTMLElement, label: string) {
  const focusable = el.querySelectorAll<HTMLElement>('.n-base-selection-label, .n-base-selection-tags')
  for (const target of focusable) {
    target.setAttribute('role', 'combobox')
    target.setAttribute('aria-haspopup', 'listbox')
    target.setAttribute('aria-label', label)
  }
  for (const input of el.querySelectorAll<HTMLInputElement>('input')) input.setAttribute('aria-label', label)
}

/** A combobox says whether its list is open: Naive marks the open select with a class. */
function expanded(el: HTMLElement) {
  const open = el.querySelector('.n-base-selection--active') !== null
  for (const target of el.querySelectorAll<HTMLElement>('.n-base-selection-label, .n-base-selection-tags')) {
    target.setAttribute('aria-expanded', String(open))
  }
}

const watchers = new WeakMap<HTMLElement, MutationObserver>()

export const vControlName: Directive<HTMLElement, string> = {
  mounted: (el, binding) => {
    name(el, binding.value)
    expanded(el)
    const watcher = new MutationObserver(() => expanded(el))
    watcher.observe(el, { attributes: true, attributeFilter: ['class'], subtree: true })
    watchers.set(el, watcher)
  },
  updated: (el, binding) => {
    name(el, binding.value)
    expanded(el)
  },
  unmounted: (el) => watchers.get(el)?.disconnect(),
}
