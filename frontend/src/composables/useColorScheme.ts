import { computed, effectScope, getCurrentScope, onScopeDispose, readonly, ref, watch, type ComputedRef, type Ref } from 'vue'

/**
 * The page's colour scheme: the user's choice of "system", "light" or "dark", kept in
 * localStorage, and the scheme it comes to. "system" follows the operating system's
 * preference live (prefers-color-scheme), so a laptop that turns dark at sunset turns the
 * page with it. The scheme is written to <html data-theme="…"> (the CSS custom properties of
 * styles.css hang on it) and to its `color-scheme`, so scroll bars and native controls match.
 */

export type ColorSchemeChoice = 'system' | 'light' | 'dark'
export type ColorScheme = 'light' | 'dark'

export const COLOR_SCHEME_CHOICES: readonly ColorSchemeChoice[] = ['system', 'light', 'dark']
export const COLOR_SCHEME_STORAGE_KEY = 'tickwork.colorScheme'
const DARK_QUERY = '(prefers-color-scheme: dark)'

export interface ColorSchemeState {
  /** What the user picked; "system" until they pick. */
  choice: Readonly<Ref<ColorSchemeChoice>>
  /** The scheme in force: the choice, or the system's preference under "system". */
  scheme: ComputedRef<ColorScheme>
  setChoice: (choice: ColorSchemeChoice) => void
}

function isChoice(value: unknown): value is ColorSchemeChoice {
  return typeof value === 'string' && (COLOR_SCHEME_CHOICES as readonly string[]).includes(value)
}

// Storage can be switched off (a private window, a policy): the choice then lasts the visit.
function readStored(): ColorSchemeChoice {
  try {
    const stored = window.localStorage.getItem(COLOR_SCHEME_STORAGE_KEY)
    return isChoice(stored) ? stored : 'system'
  } catch {
    return 'system'
  }
}

function store(choice: ColorSchemeChoice) {
  try {
    if (choice === 'system') window.localStorage.removeItem(COLOR_SCHEME_STORAGE_KEY)
    else window.localStorage.setItem(COLOR_SCHEME_STORAGE_KEY, choice)
  } catch {
    // Not kept across visits; the page still switches.
  }
}

/** The system's preference as a ref that follows its changes while the calling scope lives. */
function systemPrefersDark(): Ref<boolean> {
  const list = typeof window.matchMedia === 'function' ? window.matchMedia(DARK_QUERY) : null
  const dark = ref(Boolean(list?.matches))
  if (!list) return dark
  const update = (event: MediaQueryListEvent) => {
    dark.value = event.matches
  }
  list.addEventListener('change', update)
  if (getCurrentScope()) onScopeDispose(() => list.removeEventListener('change', update))
  return dark
}

/**
 * A colour-scheme state of its own, reading the stored choice now. Call it inside an effect
 * scope (a component's, or `effectScope()`): disposing the scope stops it following the system.
 * The page uses the one shared state of `useColorScheme()`.
 */
export function createColorScheme(): ColorSchemeState {
  const choice = ref<ColorSchemeChoice>(readStored())
  const systemDark = systemPrefersDark()
  const scheme = computed<ColorScheme>(() => {
    if (choice.value === 'system') return systemDark.value ? 'dark' : 'light'
    return choice.value
  })
  // Synchronous, so the attribute is right before anything paints or reads it.
  watch(
    scheme,
    (value) => {
      const root = document.documentElement
      root.dataset.theme = value
      root.style.colorScheme = value
    },
    { immediate: true, flush: 'sync' },
  )
  function setChoice(next: ColorSchemeChoice) {
    if (!isChoice(next)) return
    choice.value = next
    store(next)
  }
  return { choice: readonly(choice), scheme, setChoice }
}

let shared: ColorSchemeState | null = null

/** The page's one colour-scheme state, created on first use and kept for the page's life. */
export function useColorScheme(): ColorSchemeState {
  if (!shared) shared = effectScope(true).run(createColorScheme) as ColorSchemeState
  return shared
}
