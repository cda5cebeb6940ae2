import { computed, toValue, type MaybeRefOrGetter } from 'vue'
import { statsApi } from '@/services/api'
import type { Report } from '@/services/types'
import { useApiValue } from './useApiValue'

export type ReportPeriodName = 'day' | 'week' | 'month'

/** A report's period: one ending today by name, or whole UTC days from–to (both included). */
export type ReportPeriod = { period: ReportPeriodName } | { from: string; to: string }

export type { Report }

/**
 * The report over a period (`GET /reports`), and the addresses of its CSV and JSON files for
 * the same period. Not read again on run events: a report is a look back, and its figures
 * jumping while one reads them would not help. A 422 (a period the server cannot answer) is
 * kept as `error`, in the server's words.
 */
export function useReport(period: MaybeRefOrGetter<ReportPeriod>) {
  const { value, error, loading, load } = useApiValue<Report>(
    () => JSON.stringify(toValue(period)),
    (signal) => statsApi.getReport(toValue(period), { signal }),
  )
  const csvUrl = computed(() => statsApi.reportDownloadUrl(toValue(period), 'csv'))
  const jsonUrl = computed(() => statsApi.reportDownloadUrl(toValue(period), 'json'))
  return { report: value, error, loading, load, csvUrl, jsonUrl }
}
