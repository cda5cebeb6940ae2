import { toValue, type MaybeRefOrGetter } from 'vue'
import { statsApi } from '@/services/api'
import type { Stats } from '@/services/types'
import { useApiValue } from './useApiValue'
import type { StatsWindow } from './useScheduleStats'

export type { Stats }

/**
 * What every schedule's runs came to over a window, as a whole and per group (`GET /stats`),
 * read again shortly after runs end: the dashboard's hourly chart stays current.
 */
export function useStats(window: MaybeRefOrGetter<StatsWindow> = '24h') {
  const { value, error, loading, load } = useApiValue<Stats>(
    () => toValue(window),
    (signal) => statsApi.getStats(toValue(window), { signal }),
    { onRuns: true },
  )
  return { stats: value, error, loading, load }
}
