/**
 * The parts of ECharts the page's charts use, registered once: only these are bundled (the
 * whole library is about a megabyte). A chart that needs another series type or component
 * adds it here.
 */
import { use } from 'echarts/core'
import { LineChart } from 'echarts/charts'
import { AxisPointerComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'

// SVG rather than canvas: crisp at any pixel ratio (phones), and light for a few hundred points.
use([LineChart, GridComponent, TooltipComponent, LegendComponent, AxisPointerComponent, SVGRenderer])

export type { EChartsCoreOption as ChartOption } from 'echarts/core'
