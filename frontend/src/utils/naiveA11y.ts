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
 * - a list field's (NDynamicTags) + button has only an icon: it gets a name.
 *
 * Vue sets these elements' static attributes once, when it creates them, and never again,
 * so an attribute set here stays until the element is replaced; a replacement is new and
 * the observer sees it.
 */

const CARD_HEADER = '.n-card-header[role="heading"]'
const NUMBER_BUTTONS = '.n-input-number .n-input__prefix .n-button, .n-input-number .n-input__suffix .n-button'
const ADD_BUTTON = '.n-dynamic-tags .n-button'

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

function fixHeading(header: Element) {
  header.setAttribute('role', 'none')
  const title = header.querySelector(':scope > .n-card-header__main')
  if (title && !title.hasAttribute('aria-level')) title.setAttribute('aria-level', '2')
}

/** Fills in the missing attributes under `root`, which may itself be one of the elements. */
export function fixNaiveA11y(root: ParentNode) {
  if (root instanceof Element && root.matches(CARD_HEADER)) fixHeading(root)
  if (root instanceof Element && root.matches(NUMBER_BUTTONS)) nameNumberButton(root)
  for (const header of root.querySelectorAll(CARD_HEADER)) fixHeading(header)
  for (const button of root.querySelectorAll(NUMBER_BUTTONS)) nameNumberButton(button)
  if (root instanceof Element && root.matches(ADD_BUTTON)) nameAddButton(root)
  for (const button of root.querySelectorAll(ADD_BUTTON)) nameAddButton(button)
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
