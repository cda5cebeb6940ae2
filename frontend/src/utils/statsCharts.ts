/**
 * The statistics charts' ECharts options and their summaries in words, from the API's
 * answers: a schedule's duration per run with its p95 line, its days as a calendar coloured
 * by the share that failed, and every schedule's runs per hour stacked by outcome. Pure, so
 * they are tested without drawing.
 */
import type { ChartTheme } from '@/composables/useChartTheme'
import type { Run, StatsPoint, StatusCounts } from '@/services/types'
import { formatDuration, formatShortDateTime } from '@/utils/format'

/** What a run came to, as the charts tell it: a shape and a colour each, and a name. */
export type Outcome = 'success' | 'failure' | 'other'

export const OUTCOME_NAMES: Record<Outcome, string> = { success: 'Succeeded', failure: 'Failed', other: 'Cancelled or skipped' }
// A shape per outcome as well as a colour: the chart reads without telling colours apart.
const OUTCOME_SYMBOLS: Record<Outcome, string> = { success: 'circle', failure: 'triangle', other: 'diamond' }

export function outcomeOf(status: string | null | undefined): Outcome | null {
  if (status === 'success') return 'success'
  if (status === 'failed' || status === 'timeout' || status === 'lost') return 'failure'
  if (status === 'cancelled' || status === 'skipped') return 'other'
  return null // queued or running: no outcome yet
}

const outcomeColor = (theme: ChartTheme, outcome: Outcome) => theme[outcome]

/** Runs that failed: failed, timed out or lost (cancelled and skipped runs have no verdict). */
export function failuresOf(counts: StatusCounts): number {
  return (counts.failed ?? 0) + (counts.timeout ?? 0) + (counts.lost ?? 0)
}

/** Runs with a verdict: the successes and the failures. */
export function judgedOf(counts: StatusCounts): number {
  return (counts.success ?? 0) + failuresOf(counts)
}

/** "12 runs, 2 failed", "1 run, none failed", "no runs". */
export function runsSummary(runs: number, failures: number): string {
  if (!runs) return 'no runs'
  return `${runs} ${runs === 1 ? 'run' : 'runs'}, ${failures ? `${failures} failed` : 'none failed'}`
}

/** "98.5 %" from a share in parts of one; "—" for none. */
export function formatRate(rate: number | null | undefined): string {
  if (rate == null) return '—'
  const percent = rate * 100
  return `${percent.toFixed(1).replace(/\.0$/, '')} %`
}

const axisStyle = (theme: ChartTheme, narrow: boolean) => ({
  axisLabel: { color: theme.muted, fontSize: narrow ? 10 : 11 },
  axisLine: { lineStyle: { color: theme.axis } },
  splitLine: { lineStyle: { color: theme.grid } },
})

const tooltipStyle = (theme: ChartTheme) => ({
  backgroundColor: theme.tooltip,
  borderColor: theme.axis,
  textStyle: { color: theme.text, fontSize: 12 },
})

const legendStyle = (theme: ChartTheme, narrow: boolean) => ({
  top: 0,
  itemWidth: 12,
  itemHeight: 10,
  textStyle: { color: theme.text, fontSize: narrow ? 11 : 12 },
})

// ---- Duration per run

export interface DurationPoint {
  id: number
  at: number // ms since the epoch: when it started
  seconds: number
  status: string
  outcome: Outcome
}

/** The runs that ended with a duration, oldest first: the duration chart's points. */
export function durationPoints(runs: Run[]): DurationPoint[] {
  const points: DurationPoint[] = []
  for (const run of runs) {
    const outcome = outcomeOf(run.status)
    const at = Date.parse(run.started_at ?? '')
    if (!outcome || run.duration_seconds == null || Number.isNaN(at)) continue
    points.push({ id: run.id, at, seconds: run.duration_seconds, status: run.status, outcome })
  }
  return points.sort((a, b) => a.at - b.at)
}

interface PointParam {
  data: [number, number, number, string]
  marker: string
}

export function durationChartOption(
  points: DurationPoint[],
  p95: number | null | undefined,
  theme: ChartTheme,
  { narrow = false, zone = 'UTC' }: { narrow?: boolean; zone?: string } = {},
) {
  const outcomes = (Object.keys(OUTCOME_NAMES) as Outcome[]).filter((o) => points.some((p) => p.outcome === o))
  const series = outcomes.map((outcome, index) => ({
    name: OUTCOME_NAMES[outcome],
    type: 'scatter',
    symbol: OUTCOME_SYMBOLS[outcome],
    symbolSize: narrow ? 7 : 9,
    itemStyle: { color: outcomeColor(theme, outcome) },
    data: points.filter((p) => p.outcome === outcome).map((p) => [p.at, p.seconds, p.id, p.status]),
    // The p95 line rides on the first series: one line, whatever outcomes there are.
    ...(index === 0 && p95 != null
      ? {
          markLine: {
            silent: true,
            symbol: 'none',
            lineStyle: { color: theme.text, type: 'dashed', width: 1 },
            label: { color: theme.text, position: 'insideEndTop', formatter: `p95 ${formatDuration(p95)}` },
            data: [{ yAxis: p95 }],
          },
        }
      : {}),
  }))
  const style = axisStyle(theme, narrow)
  return {
    legend: legendStyle(theme, narrow),
    tooltip: {
      trigger: 'item',
      ...tooltipStyle(theme),
      formatter: ({ data, marker }: PointParam) =>
        `${marker}Run #${data[2]} · ${data[3]}<br>${formatShortDateTime(data[0], zone)}<br><b>${formatDuration(data[1])}</b>`,
    },
    grid: { top: 36, left: narrow ? 44 : 56, right: 16, bottom: 28 },
    xAxis: { type: 'time', ...style, splitLine: { show: false }, axisLabel: { ...style.axisLabel, hideOverlap: true } },
    yAxis: {
      type: 'value',
      min: 0,
      max: (extent: { max: number }) => Math.max(extent.max, p95 ?? 0) * 1.1 || 1,
      ...style,
      axisLabel: { ...style.axisLabel, formatter: (v: number) => formatDuration(v) },
    },
    series,
  }
}

// ---- The calendar of days

export interface DayCell {
  date: string // YYYY-MM-DD (UTC)
  runs: number
  failures: number
  share: number | null // failures out of the runs with a verdict; null without any
}

export function dayCells(series: StatsPoint[]): DayCell[] {
  return series.map((point) => {
    const judged = judgedOf(point.counts)
    const failures = failuresOf(point.counts)
    return { date: point.start.slice(0, 10), runs: point.runs, failures, share: judged ? failures / judged : null }
  })
}

// Failure shares in words, each drawn in a colour of its own (the legend beneath says which).
export type ShareLevel = 'none' | 'some' | 'most'
export const SHARE_LEVELS: { level: ShareLevel; label: string }[] = [
  { level: 'none', label: 'none failed' },
  { level: 'some', label: 'up to half failed' },
  { level: 'most', label: 'more than half failed' },
]

export function shareLevel(share: number): ShareLevel {
  return share === 0 ? 'none' : share <= 0.5 ? 'some' : 'most'
}

/** The colour of a day: its failure share's, or the grid's for runs without a verdict. */
export function shareColor(theme: ChartTheme, share: number | null): string {
  if (share == null) return theme.grid
  return { none: theme.success, some: theme.other, most: theme.failure }[shareLevel(share)]
}

interface CellParam {
  data: { value: [string, number, number, number] }
}

export function calendarChartOption(cells: DayCell[], theme: ChartTheme, { narrow = false }: { narrow?: boolean } = {}) {
  const first = cells[0]?.date
  const last = cells[cells.length - 1]?.date
  return {
    tooltip: {
      ...tooltipStyle(theme),
      formatter: ({ data }: CellParam) => `${data.value[0]}<br>${runsSummary(data.value[2], data.value[3])}`,
    },
    // A heatmap needs a visual map; this one changes nothing: each day carries its own colour.
    visualMap: { show: false, type: 'continuous', min: 0, max: 1, dimension: 1, inRange: { opacity: 1 } },
    calendar: {
      top: 22,
      left: narrow ? 24 : 32,
      right: 8,
      bottom: 4,
      range: first && last ? [first, last] : undefined,
      cellSize: ['auto', narrow ? 14 : 16],
      orient: 'horizontal',
      splitLine: { show: false },
      itemStyle: { color: theme.empty, borderColor: theme.tooltip, borderWidth: 2 },
      dayLabel: { color: theme.muted, firstDay: 1, nameMap: ['S', 'M', 'T', 'W', 'T', 'F', 'S'], fontSize: 10 },
      monthLabel: { color: theme.muted, fontSize: narrow ? 10 : 11 },
      yearLabel: { show: false },
    },
    series: [
      {
        type: 'heatmap',
        coordinateSystem: 'calendar',
        data: cells
          .filter((c) => c.runs)
          .map((c) => ({ value: [c.date, c.share ?? 0, c.runs, c.failures], itemStyle: { color: shareColor(theme, c.share) } })),
      },
    ],
  }
}

// ---- Runs per hour, stacked by outcome

// Stacked from the bottom: successes first, the failures above them where the eye looks.
const STACK: { name: string; outcome: Outcome; count: (c: StatusCounts) => number }[] = [
  { name: OUTCOME_NAMES.success, outcome: 'success', count: (c) => c.success ?? 0 },
  { name: OUTCOME_NAMES.failure, outcome: 'failure', count: failuresOf },
  { name: OUTCOME_NAMES.other, outcome: 'other', count: (c) => (c.cancelled ?? 0) + (c.skipped ?? 0) },
]

/** "14:00" for an hour's start, in the zone the page is read in. */
function hourLabel(start: string, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: zone }).format(new Date(start))
}

interface BarParam {
  axisValue: string
  seriesName: string
  value: number
  marker: string
}

export function hourlyRunsOption(
  series: StatsPoint[],
  theme: ChartTheme,
  { narrow = false, zone = 'UTC' }: { narrow?: boolean; zone?: string } = {},
) {
  const style = axisStyle(theme, narrow)
  return {
    legend: legendStyle(theme, narrow),
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      ...tooltipStyle(theme),
      formatter: (params: BarParam[]) => {
        const rows = params.filter((p) => p.value).map((p) => `${p.marker}${p.seriesName} <b>${p.value}</b>`)
        return [`From ${params[0]?.axisValue ?? ''}`, ...(rows.length ? rows : ['no runs'])].join('<br>')
      },
    },
    grid: { top: 36, left: narrow ? 32 : 40, right: 8, bottom: 24 },
    xAxis: {
      type: 'category',
      data: series.map((p) => hourLabel(p.start, zone)),
      ...style,
      axisTick: { show: false },
      axisLabel: { ...style.axisLabel, interval: narrow ? 5 : 2 },
    },
    yAxis: { type: 'value', minInterval: 1, ...style },
    series: STACK.map(({ name, outcome, count }) => ({
      name,
      type: 'bar',
      stack: 'runs',
      barMaxWidth: 28,
      itemStyle: { color: outcomeColor(theme, outcome) },
      data: series.map((p) => count(p.counts)),
    })),
  }
}
