import { getCurrentScope, onScopeDispose, watch, type Ref, type ShallowRef } from 'vue'
import { debounce } from '@/utils/debounce'
import { useRequest } from './useRequest'
import { useServerEvents } from './useServerEvents'

export interface ApiValue<T> {
  value: ShallowRef<T | null>
  error: Ref<Error | null>
  loading: Ref<boolean>
  load: () => Promise<void>
}

/**
 * One answer of the API (through useRequest), read again whenever `key` changes and, with
 * `onRuns`, a moment after runs start or end (a run's end changes the statistics; a burst of
 * them is read once). A question no longer asked is aborted, so a slow answer never
 * overwrites a newer one; a failed read keeps what was shown, with its error.
 */
export function useApiValue<T>(
  key: () => string,
  read: (signal: AbortSignal) => Promise<T>,
  { onRuns = false, waitMs = 1000 } = {},
): ApiValue<T> {
  const request = useRequest<T>((signal) => read(signal))
  const load = async () => {
    await request.run()
  }

  watch(key, load, { immediate: true })
  if (onRuns) {
    const reload = debounce(load, waitMs)
    if (getCurrentScope()) onScopeDispose(reload.cancel)
    useServerEvents({ run: reload, refresh: load })
  }
  return {
    value: request.data as ShallowRef<T | null>,
    error: request.error,
    loading: request.loading,
    load,
  }
}
