import { getCurrentScope, onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue'
import { debounce } from '@/utils/debounce'
import { useServerEvents } from './useServerEvents'

export interface ApiValue<T> {
  value: ShallowRef<T | null>
  error: Ref<Error | null>
  loading: Ref<boolean>
  load: () => Promise<void>
}

/**
 * One answer of the API, read again whenever `key` changes and, with `onRuns`, a moment after
 * runs start or end (a run's end changes the statistics; a burst of them is read once). An
 * answer to a question no longer asked (the key changed meanwhile) is dropped, so a slow
 * answer never overwrites a newer one. A failed read keeps what was shown, with its error.
 */
export function useApiValue<T>(key: () => string, read: () => Promise<T>, { onRuns = false, waitMs = 1000 } = {}): ApiValue<T> {
  const value = shallowRef<T | null>(null)
  const error = ref<Error | null>(null)
  const loading = ref(false)
  let asked = 0

  async function load() {
    const mine = ++asked
    loading.value = true
    try {
      const answer = await read()
      if (mine !== asked) return
      value.value = answer
      error.value = null
    } catch (err) {
      if (mine === asked) error.value = err as Error
    } finally {
      if (mine === asked) loading.value = false
    }
  }

  watch(key, load, { immediate: true })
  if (onRuns) {
    const reload = debounce(load, waitMs)
    if (getCurrentScope()) onScopeDispose(reload.cancel)
    useServerEvents({ run: reload, refresh: load })
  }
  return { value, error, loading, load }
}
