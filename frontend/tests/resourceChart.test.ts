import { describe, expect, it } from 'vitest'
import { isDarkColor, type ChartTheme } from '@/composables/useChartTheme'
import { byteStep, formatElapsed, resourceChartOption, resourcePoints, timeStep } from '@/utils/resourceChart'

const MiB = 1024 * 1024
const THEME: ChartTheme = {
  dark: false,
  text: '#333',
  muted: '#777',
  grid: '#eee',
  axis: '#ddd',
  tooltip: '#fff',
  font: 'sans-serif',
  palette: ['#2563eb', '#f0a020', '#18a058'],
  success: '#18a058',
  failure: '#d03050',
  other: '#f0a020',
  empty: '#fafafc',
}

function resources(cpu: number[], rss: number[] = cpu.map(() => 10 * MiB)) {
  return {
    run_id: 1,
    status: 'running' as const,
    interval_seconds: 2,
    samples: cpu.map((c, i) => ({ at: `2026-12-04T10:00:${String(2 * (i + 1)).padStart(2, '0')}Z`, cpu_percent: c, rss_bytes: rss[i], processes: 1 + i })),
    cpu_percent_mean: null,
    cpu_percent_peak: null,
    memory_mean_bytes: null,
    peak_memory_bytes: null,
  }
}

describe('resourcePoints', () => {
  it('puts the samples on the run clock, from its start', () => {
    const points = resourcePoints(resources([10, 20]), '2026-12-04T10:00:00Z')
    expect(points.map((p) => p.seconds)).toEqual([2, 4])
    expect(points.map((p) => p.processes)).toEqual([1, 2])
  })

  it('starts a span before the first sample when the start is not known', () => {
    expect(resourcePoints(resources([10]), null)[0].seconds).toBe(2)
  })
})

describe('resourceChartOption', () => {
  it('shows one core whole on the CPU axis, and grows it for more', () => {
    const idle = resourceChartOption(resourcePoints(resources([10, 40]), null), THEME)
    expect(idle.yAxis[0]).toMatchObject({ max: 100, interval: 25 })
    const busy = resourceChartOption(resourcePoints(resources([120, 180]), null), THEME)
    expect(busy.yAxis[0]).toMatchObject({ max: 200, interval: 50 })
  })

  it('steps the memory axis in round sizes, level with the CPU grid', () => {
    const option = resourceChartOption(resourcePoints(resources([1, 2], [30 * MiB, 49 * MiB]), null), THEME)
    expect(option.yAxis[1]).toMatchObject({ interval: 20 * MiB, max: 80 * MiB })
    const label = (option.yAxis[1].axisLabel as { formatter: (v: number) => string }).formatter
    expect(label(20 * MiB)).toBe('20 MB')
  })

  it('draws CPU and memory over the chart and processes in the strip beneath', () => {
    const option = resourceChartOption(resourcePoints(resources([10, 20, 30]), null), THEME, { narrow: true })
    expect(option.series.map((s) => [s.name, s.xAxisIndex, s.yAxisIndex, s.data.length])).toEqual([
      ['CPU', 0, 0, 3],
      ['Memory', 0, 1, 3],
      ['Processes', 1, 2, 3],
    ])
    expect(option.yAxis[0].interval).toBe(50) // fewer labels on a phone
    expect(option.series.every((s) => !s.showSymbol)).toBe(true)
  })

  it('shows a lone sample as a dot', () => {
    const option = resourceChartOption(resourcePoints(resources([10]), null), THEME)
    expect(option.series.every((s) => s.showSymbol)).toBe(true)
  })
})

describe('the axes', () => {
  it('says elapsed times shortly', () => {
    expect([5, 90, 120, 3600, 5400].map(formatElapsed)).toEqual(['5 s', '1:30', '2 min', '1 h', '1 h 30 min'])
  })

  it('picks steps of whole seconds, minutes and hours', () => {
    expect(timeStep(11, 8)).toBe(2)
    expect(timeStep(600, 8)).toBe(120)
    expect(timeStep(7200, 4)).toBe(1800)
    expect(byteStep(900, 4)).toBe(500)
    expect(byteStep(3 * 1024 ** 3, 4)).toBe(1024 ** 3)
  })

  it('tells a dark ground from a light one', () => {
    expect(isDarkColor('#101014')).toBe(true)
    expect(isDarkColor('#fff')).toBe(false)
    expect(isDarkColor('rgb(24, 24, 28)')).toBe(true)
    expect(isDarkColor('rgba(255, 255, 255, 1)')).toBe(false)
  })
})
