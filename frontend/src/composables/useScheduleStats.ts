import { toValue, type MaybeRefOrGetter } from 'vue'
import { statsApi, type StatsWindow } from '@/services/api'
import type { Run, ScheduleStats } from '@/services/types'
import { useApiValue } from './useApiValue'

export type { StatsWindow }
export type { ScheduleStats }

/**
 * A schedule's statistics over a window (`GET /schedules/{id}/stats`), read again when the
 * schedule or the window changes and shortly after its runs end.
 */
export function useScheduleStats(scheduleId: MaybeRefOrGetter<string>, window: MaybeRefOrGetter<StatsWindow>) {
  const { value, error, loading, load } = useApiValue<ScheduleStats>(
    () => `${toValue(scheduleId)}|${toValue(window)}`,
    (signal) => statsApi.getScheduleStats(toValue(scheduleId), toValue(window), { signal }),
    { onRuns: true },
  )
  return { stats: value, error, loading, load }
}

/**
 * A schedule's latest runs (up to 200, the most one page holds), newest first: the points of
 * its duration chart. Read again shortly after runs start or end.
 */
export function useRecentRuns(scheduleId: MaybeRefOrGetter<string>, pageSize = 200) {
  const { value, error, loading, load } = useApiValue<Run[]>(
    () => toValue(scheduleId),
    async (signal) => (await statsApi.getRecentRuns(toValue(scheduleId), pageSize, { signal })).items,
    { onRuns: true },
  )
  return { runs: value, error, loading, load }
}
