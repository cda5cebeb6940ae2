import { computed, type ComputedRef } from 'vue'
import { useThemeVars } from 'naive-ui'

/** The colours a chart draws with, taken from the theme the page is in. */
export interface ChartTheme {
  dark: boolean
  text: string
  muted: string
  grid: string
  axis: string
  tooltip: string
  font: string
  // Series colours, in order: CPU, memory, processes, then more for charts with more lines.
  palette: string[]
  // Outcomes: a success, a failure (failed, timeout, lost), neither (cancelled, skipped).
  success: string
  failure: string
  other: string
  // The ground of an empty cell (a day without runs).
  empty: string
}

/** Whether a CSS colour (#rgb, #rrggbb or rgb()/rgba()) is dark: its luminance below a half. */
export function isDarkColor(color: string): boolean {
  const hex = color.trim().match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i)?.[1]
  let rgb: number[] | null = null
  if (hex) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex
    rgb = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16))
  } else {
    const parts = color.match(/rgba?\(([^)]+)\)/i)?.[1].split(',').map((p) => parseFloat(p))
    if (parts && parts.length >= 3) rgb = parts.slice(0, 3)
  }
  if (!rgb) return false
  const [r, g, b] = rgb.map((v) => v / 255)
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5
}

/**
 * Chart colours from the Naive UI theme in force (NConfigProvider's), so charts follow the
 * page's light or dark theme the moment it changes, and read in it: text and grid lines in the
 * theme's own text and divider colours, series in its accent and status colours.
 */
export function useChartTheme(): ComputedRef<ChartTheme> {
  const vars = useThemeVars()
  return computed(() => {
    const v = vars.value
    const dark = isDarkColor(v.bodyColor)
    return {
      dark,
      text: v.textColor2,
      muted: v.textColor3,
      grid: v.dividerColor,
      axis: v.borderColor,
      tooltip: v.popoverColor,
      font: v.fontFamily,
      // On a dark ground the lighter accent: the plain one is a dark blue there.
      palette: [dark ? v.primaryColorHover : v.primaryColor, v.warningColor, v.successColor, v.infoColor, v.errorColor],
      success: v.successColor,
      failure: v.errorColor,
      other: v.warningColor,
      empty: dark ? v.actionColor : v.tableHeaderColor,
    }
  })
}
