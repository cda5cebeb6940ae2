import { computed, getCurrentScope, onScopeDispose, ref, shallowRef, type ComputedRef, type Ref } from 'vue'
import { ApiError } from '@/services/api'

/**
 * The one way a composable reads something from the server and keeps it: `data`, `loading`
 * and `error` (with `message`, the error in words), so none of them writes its own
 * load/abort/loading/error block.
 *
 * Only the latest request counts. Asking again aborts the one still in flight (its answer,
 * or its failure, is never shown: the user has moved on, to another page or filter), and so
 * does leaving the component (the scope's dispose). `run()` never throws: a failure is kept
 * in `error`, and the data read before stays, so a list that cannot be refreshed still shows
 * what it showed.
 */

export interface RequestOptions<T> {
  /** What `data` holds before the first answer. */
  initial?: T
  /** Takes in an answer of the latest request (into the caller's own refs, say). */
  onSuccess?: (data: T) => void
  /** Takes in a failure of the latest request, after `error` is set. */
  onError?: (error: Error) => void
  /** The error in words; `errorMessage` unless given. */
  describe?: (error: Error) => string
}

export interface Request<T, A extends unknown[]> {
  /** The latest answer, as it came: a shallow ref (a page of 100 schedules is not made deeply reactive), so replace it rather than change it. */
  data: Ref<T | null>
  loading: Ref<boolean>
  error: Ref<Error | null>
  /** The error in words ('' while there is none). */
  message: ComputedRef<string>
  /** Starts a request (aborting the one in flight); resolves to its answer, or undefined when it failed or was aborted. */
  run: (...args: A) => Promise<T | undefined>
  /** Aborts the request in flight, if any: nothing of it will be shown. */
  abort: () => void
}

/** An abort of ours (or the browser's), not a failure to tell anyone about. */
export function isAbort(error: unknown): boolean {
  return (error as Error | null)?.name === 'AbortError'
}

/**
 * An error as the page says it. ApiError's message is already written for the page (the
 * server's words, or "cannot be reached", "your session has ended", "Not allowed: ...").
 */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof Error && error.message) return error.message
  if (typeof error === 'string' && error) return error
  return 'Something went wrong.'
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(errorMessage(error))
}

/**
 * `fetcher(signal, ...args)` does the request(s), passing `signal` on to services/api;
 * `run(...args)` calls it.
 */
export function useRequest<T, A extends unknown[] = []>(
  fetcher: (signal: AbortSignal, ...args: A) => Promise<T>,
  options: RequestOptions<T> = {},
): Request<T, A> {
  const data = shallowRef<T | null>(options.initial ?? null)
  const loading = ref(false)
  const error = ref<Error | null>(null)
  const describe = options.describe ?? errorMessage
  const message = computed(() => (error.value ? describe(error.value) : ''))
  let controller: AbortController | null = null

  async function run(...args: A): Promise<T | undefined> {
    controller?.abort()
    const mine = new AbortController()
    controller = mine
    loading.value = true
    try {
      const answer = await fetcher(mine.signal, ...args)
      if (mine.signal.aborted) return undefined
      data.value = answer
      error.value = null
      options.onSuccess?.(answer)
      return answer
    } catch (err) {
      if (mine.signal.aborted || isAbort(err)) return undefined
      error.value = asError(err)
      options.onError?.(error.value)
      return undefined
    } finally {
      if (controller === mine) {
        controller = null
        loading.value = false
      }
    }
  }

  function abort() {
    controller?.abort()
    controller = null
    loading.value = false
  }

  if (getCurrentScope()) onScopeDispose(abort)

  return { data, loading, error, message, run, abort }
}
