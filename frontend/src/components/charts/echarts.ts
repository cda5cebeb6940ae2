/**
 * The parts of ECharts the page's charts use, registered once: only these are bundled (the
 * whole library is about a megabyte). A chart that needs another series type or component
 * adds it here.
 */
import { use } from 'echarts/core'
import { BarChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts'
import {
  AxisPointerComponent,
  CalendarComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
} from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'

// SVG rather than canvas: crisp at any pixel ratio (phones), and light for a few hundred points.
use([
  LineChart,
  BarChart, // runs per hour, stacked by outcome (dashboard)
  ScatterChart, // a schedule's duration per run
  HeatmapChart, // with the calendar: a schedule's days by failure share
  GridComponent,
  TooltipComponent,
  LegendComponent,
  AxisPointerComponent,
  MarkLineComponent, // the p95 line
  CalendarComponent,
  VisualMapContinuousComponent, // the heatmap wants one; it only passes each day's own colour
  SVGRenderer,
])

export type { EChartsCoreOption as ChartOption } from 'echarts/core'
