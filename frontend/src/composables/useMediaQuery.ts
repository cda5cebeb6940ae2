import { getCurrentScope, onScopeDispose, ref, type Ref } from 'vue'

/** A ref that is true while the CSS media query matches. */
export function useMediaQuery(query: string): Ref<boolean> {
  const list = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query) : null
  const matches = ref(Boolean(list?.matches))
  if (!list) return matches
  const update = (event: MediaQueryListEvent) => {
    matches.value = event.matches
  }
  list.addEventListener('change', update)
  if (getCurrentScope()) onScopeDispose(() => list.removeEventListener('change', update))
  return matches
}
