/**
 * The resource chart's ECharts option, from a run's samples: CPU % (left axis) and resident
 * memory (right axis) over the run's elapsed time, and its process count in a strip beneath
 * on the same time axis. Pure, so it is tested without drawing.
 */
import type { ChartTheme } from '@/composables/useChartTheme'
import type { RunResources } from '@/services/types'
import { formatBytes, formatTime } from '@/utils/format'

// Steps for the time axis, in seconds: ticks on whole seconds, minutes and hours.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
// Fixed margins, so the strip's time axis lines up with the chart's above it.
const LEFT = 48
const RIGHT = 68

export interface ResourcePoint {
  seconds: number // since the run started
  at: number // ms since the epoch
  cpu: number
  rss: number
  processes: number
}

/** The samples as points on the run's clock: seconds since `startedAt` (else the first span). */
export function resourcePoints(resources: RunResources, startedAt?: string | null): ResourcePoint[] {
  const samples = resources.samples
  if (!samples.length) return []
  const first = Date.parse(samples[0].at)
  const start = startedAt ? Date.parse(startedAt) : first - (resources.interval_seconds ?? 0) * 1000
  return samples.map((s) => {
    const at = Date.parse(s.at)
    return {
      seconds: Math.max(0, (at - start) / 1000),
      at,
      cpu: s.cpu_percent,
      rss: s.rss_bytes,
      processes: s.processes,
    }
  })
}

/** "45 s", "12 min", "1 h 30 min": a time since the start, as short as it can be said. */
export function formatElapsed(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}` : `${s / 60} min`
  const h = Math.floor(s / 3600)
  const m = Math.round((s % 3600) / 60)
  return m ? `${h} h ${m} min` : `${h} h`
}

/** The time axis's step: the smallest of STEPS that puts at most `ticks` ticks on `span`. */
export function timeStep(span: number, ticks: number): number {
  return STEPS.find((step) => span / step <= ticks) ?? Math.ceil(span / ticks)
}

// 1, 2 and 5 times a power of ten, of bytes, KB, MB, GB and TB: labels read "20 MB", "1 GB".
const BYTE_STEPS = [1, 1024, 1024 ** 2, 1024 ** 3, 1024 ** 4].flatMap((unit) =>
  [1, 2, 5, 10, 20, 50, 100, 200, 500].map((m) => m * unit),
)

/** The memory axis's step: the smallest of BYTE_STEPS that puts at most `ticks` on `max`. */
export function byteStep(max: number, ticks: number): number {
  return BYTE_STEPS.find((step) => max / step <= ticks) ?? Math.ceil(max / ticks)
}

/** "20 MB" rather than "20.0 MB" on an axis of round steps. */
function axisBytes(value: number): string {
  return formatBytes(value).replace('.0 ', ' ')
}

interface TooltipParam {
  data: [number, number, number]
  seriesName: string
  marker: string
}

export function resourceChartOption(
  points: ResourcePoint[],
  theme: ChartTheme,
  { narrow = false, zone = 'UTC' }: { narrow?: boolean; zone?: string } = {},
) {
  const end = points.length ? points[points.length - 1].seconds : 0
  const step = timeStep(Math.max(end, 1), narrow ? 4 : 8)
  const span = Math.max(step, Math.ceil(end / step) * step)
  const ticks = narrow ? 2 : 4
  // 100 % is one core: the axis shows it whole, and grows for runs busy on several.
  const cpuMax = Math.max(100, Math.ceil(Math.max(0, ...points.map((p) => p.cpu)) / 50) * 50)
  const rssStep = byteStep(Math.max(1024, ...points.map((p) => p.rss)), ticks)
  const rssMax = rssStep * ticks // as many steps as the CPU axis: its labels sit on the grid lines
  const single = points.length < 2 // one point draws no line: show it as a dot
  const axisLabel = { color: theme.muted, fontSize: narrow ? 10 : 11 }
  const splitLine = { lineStyle: { color: theme.grid } }
  const axisLine = { lineStyle: { color: theme.axis } }
  const timeAxis = { type: 'value', min: 0, max: span, interval: step, axisLine, splitLine, axisTick: { show: false } }
  const values = (pick: (p: ResourcePoint) => number) => points.map((p) => [p.seconds, pick(p), p.at])
  return {
    legend: {
      top: 0,
      left: LEFT - 8,
      itemWidth: 14,
      itemHeight: 8,
      textStyle: { color: theme.text, fontSize: narrow ? 11 : 12 },
    },
    tooltip: {
      trigger: 'axis',
      backgroundColor: theme.tooltip,
      borderColor: theme.axis,
      textStyle: { color: theme.text, fontSize: 12 },
      axisPointer: { type: 'line', lineStyle: { color: theme.muted } },
      formatter: (params: TooltipParam[]) => tooltip(params, zone),
    },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    grid: [
      { top: 32, left: LEFT, right: RIGHT, bottom: narrow ? 84 : 96 },
      { left: LEFT, right: RIGHT, bottom: 24, height: narrow ? 36 : 44 },
    ],
    xAxis: [
      { ...timeAxis, gridIndex: 0, axisLabel: { show: false } },
      { ...timeAxis, gridIndex: 1, axisLabel: { ...axisLabel, formatter: formatElapsed } },
    ],
    yAxis: [
      {
        type: 'value',
        gridIndex: 0,
        min: 0,
        max: cpuMax,
        interval: cpuMax / ticks,
        axisLabel: { ...axisLabel, formatter: '{value} %' },
        axisLine,
        splitLine,
      },
      {
        type: 'value',
        gridIndex: 0,
        position: 'right',
        min: 0,
        max: rssMax,
        interval: rssStep,
        axisLabel: { ...axisLabel, formatter: axisBytes },
        axisLine,
        splitLine: { show: false },
      },
      {
        type: 'value',
        gridIndex: 1,
        min: 0,
        max: (extent: { max: number }) => Math.max(1, extent.max),
        minInterval: 1,
        splitNumber: 1,
        axisLabel,
        axisLine,
        splitLine,
      },
    ],
    series: [
      {
        name: 'CPU',
        type: 'line',
        xAxisIndex: 0,
        yAxisIndex: 0,
        data: values((p) => p.cpu),
        showSymbol: single,
        lineStyle: { width: 2 },
        areaStyle: { opacity: theme.dark ? 0.22 : 0.12 },
      },
      {
        name: 'Memory',
        type: 'line',
        xAxisIndex: 0,
        yAxisIndex: 1,
        data: values((p) => p.rss),
        showSymbol: single,
        lineStyle: { width: 2 },
      },
      {
        name: 'Processes',
        type: 'line',
        step: 'end',
        xAxisIndex: 1,
        yAxisIndex: 2,
        data: values((p) => p.processes),
        showSymbol: single,
        lineStyle: { width: 1.5 },
      },
    ],
  }
}

function tooltip(params: TooltipParam[], zone: string): string {
  if (!params.length) return ''
  const [seconds, , at] = params[0].data
  const rows = params.map((p) => {
    const value = p.data[1]
    const text = p.seriesName === 'CPU' ? `${value.toFixed(1)} %` : p.seriesName === 'Memory' ? formatBytes(value) : String(value)
    return `${p.marker}${p.seriesName} <b>${text}</b>`
  })
  return [`${formatElapsed(seconds)} in · ${formatTime(at, zone)}`, ...rows].join('<br>')
}
