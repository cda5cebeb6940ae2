import { nextTick, reactive, watch } from 'vue'
import { useRoute, useRouter, type LocationQuery } from 'vue-router'

export type QueryValues = Record<string, string | undefined>

/** The value of a query key as one string ('' when absent or repeated oddly). */
export function queryText(query: LocationQuery, key: string): string {
  const value = query[key]
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' ? first : ''
}

function normal(values: QueryValues | LocationQuery): string {
  const entries = Object.entries(values)
    .map(([key, value]) => [key, Array.isArray(value) ? value[0] : value] as const)
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .sort(([a], [b]) => a.localeCompare(b))
  return JSON.stringify(entries)
}

/**
 * Filters that live in the URL's query string: read from it on load, written to it
 * (a history entry per change) as they change, and restored on back and forward.
 *
 * `read` turns a query into filter values, `write` the other way; keys `write` leaves
 * undefined or '' are left out of the URL. `restoring()` is true while filters are being
 * set from the URL, so a caller's "reset the page when a filter changes" can stand aside.
 */
export function useQueryFilters<T extends object>(read: (query: LocationQuery) => T, write: (values: T) => QueryValues) {
  const route = useRoute()
  const router = useRouter()
  const filters = reactive(read(route.query)) as T
  let restoring = false

  watch(
    () => route.query,
    (query) => {
      if (normal(query) === normal(write(filters as T))) return
      restoring = true
      Object.assign(filters, read(query))
      nextTick(() => {
        restoring = false
      })
    },
  )

  watch(
    () => write(filters as T),
    (values) => {
      if (normal(values) === normal(route.query)) return
      const query = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== ''))
      router.push({ query })
    },
    { deep: true },
  )

  return { filters, restoring: () => restoring }
}
