import { nextTick, reactive, watch } from 'vue'
import { useRoute, useRouter, type LocationQuery } from 'vue-router'

/** A filter's place in the URL: one value, a repeated key (`?tag=a&tag=b`), or left out. */
export type QueryValues = Record<string, string | string[] | undefined>

/** The value of a query key as one string ('' when absent or repeated oddly). */
export function queryText(query: LocationQuery, key: string): string {
  const value = query[key]
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' ? first : ''
}

/** Every value of a repeated query key, in order, without blanks and repeats. */
export function queryList(query: LocationQuery, key: string): string[] {
  const value = query[key]
  const items = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '')
  return [...new Set(items)]
}

type Present = string | string[]

// A value as it goes into the URL: undefined when it is left out.
function present(value: string | null | (string | null)[] | undefined): Present | undefined {
  if (Array.isArray(value)) {
    const items = value.filter((v): v is string => typeof v === 'string' && v !== '')
    return items.length ? items : undefined
  }
  return value === undefined || value === null || value === '' ? undefined : value
}

// One text for a query: a key with one value reads the same as that value alone in a list.
function normal(values: QueryValues | LocationQuery): string {
  const entries = Object.entries(values)
    .map(([key, value]) => {
      const kept = present(value)
      return [key, Array.isArray(kept) && kept.length === 1 ? kept[0] : kept] as const
    })
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
  return JSON.stringify(entries)
}

/**
 * Filters that live in the URL's query string: read from it on load, written to it
 * (a history entry per change) as they change, and restored on back and forward.
 *
 * `read` turns a query into filter values, `write` the other way; keys `write` leaves
 * undefined, '' or [] are left out of the URL, and a list is its key repeated. `restoring()` is true while filters are being
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
      const query: Record<string, Present> = {}
      for (const [key, value] of Object.entries(values)) {
        const kept = present(value)
        if (kept !== undefined) query[key] = kept
      }
      router.push({ query })
    },
    { deep: true },
  )

  return { filters, restoring: () => restoring }
}
