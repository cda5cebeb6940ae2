/**
 * What Naive UI 2.45 leaves out for assistive technology, filled in once for the whole page.
 *
 * These parts are drawn inside Naive's components with no prop or slot to pass an attribute
 * to, and some (a modal's card) are teleported out of the component that asked for them, so
 * neither a template nor a directive can reach them:
 * - a card's header is `role="heading"` twice over (the header and its title) and has no
 *   level: the header, which also holds the buttons beside the title, loses the role, and
 *   the title becomes a heading of level 2 (cards sit under the page's `h1`);
 * - a number field's − and + buttons have only an icon: they get a name. They are skipped by
 *   Tab on purpose, since the arrow keys in the field do the same;
 * - a list field's (NDynamicTags) + button has only an icon: it gets a name;
 * - a confirmation from `useDialog()` is a dialog with no name, and its options have no
 *   attribute for one: it is named by its title.
 *
 * Vue sets these elements' static attributes once, when it creates them, and never again,
 * so an attribute set here stays until the element is replaced; a replacement is new and
 * the observer sees it.
 */

let dialogTitles = 0

function nameNumberButton(button: Element) {
  if (button.hasAttribute('aria-label')) return
  const inPrefix = Boolean(button.closest('.n-input__prefix'))
  const siblings = button.parentElement ? button.parentElement.querySelectorAll(':scope > .n-button') : []
  // Naive draws − then + on the right, or − on the left and + on the right.
  const isMinus = inPrefix || (siblings.length > 1 && siblings[0] === button)
  button.setAttribute('aria-label', isMinus ? 'Decrease' : 'Increase')
}

function nameAddButton(button: Element) {
  if (!button.hasAttribute('aria-label') && !button.textContent?.trim()) button.setAttribute('aria-label', 'Add a value')
}

function nameDialog(dialog: Element) {
  if (dialog.hasAttribute('aria-label') || dialog.hasAttribute('aria-labelledby')) return
  const title = dialog.querySelector('.n-dialog__title')
  if (!title) return
  if (!title.id) title.id = `tw-dialog-title-${++dialogTitles}`
  dialog.setAttribute('aria-labelledby', title.id)
}

function fixHeading(header: Element) {
  header.setAttribute('role', 'none')
  const title = header.querySelector(':scope > .n-card-header__main')
  if (title && !title.hasAttribute('aria-level')) title.setAttribute('aria-level', '2')
}

const FIXES: [selector: string, fix: (el: Element) => void][] = [
  ['.n-card-header[role="heading"]', fixHeading],
  ['.n-input-number .n-input__prefix .n-button, .n-input-number .n-input__suffix .n-button', nameNumberButton],
  ['.n-dynamic-tags .n-button', nameAddButton],
  ['.n-dialog[role="dialog"]', nameDialog],
]

/** Fills in the missing attributes under `root`, which may itself be one of the elements. */
export function fixNaiveA11y(root: ParentNode) {
  for (const [selector, fix] of FIXES) {
    if (root instanceof Element && root.matches(selector)) fix(root)
    for (const el of root.querySelectorAll(selector)) fix(el)
  }
}

/** Keeps `document.body` filled in as Vue adds to it; the observer lives as long as the page. */
export function installNaiveA11y(body: HTMLElement = document.body) {
  fixNaiveA11y(body)
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) if (node instanceof Element) fixNaiveA11y(node)
    }
  }).observe(body, { childList: true, subtree: true })
}
