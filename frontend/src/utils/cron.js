/**
 * Just enough crontab(5) to drive the visual builder: split an expression into its
 * five fields, expand a field into the values it matches, and write a set of values
 * back as the shortest list of ranges. The server stays the judge of validity.
 */

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']

const pad = (n) => String(n).padStart(2, '0')

export const CRON_FIELDS = [
  {
    key: 'minute',
    every: 'Every minute',
    label: 'Minute',
    noun: 'minute',
    min: 0,
    max: 59,
    options: range(0, 59).map((v) => ({ value: v, label: `:${pad(v)}` })),
  },
  {
    key: 'hour',
    every: 'Every hour',
    label: 'Hour',
    noun: 'hour',
    min: 0,
    max: 23,
    options: range(0, 23).map((v) => ({ value: v, label: `${pad(v)}h` })),
  },
  {
    key: 'dayOfMonth',
    every: 'Every day',
    label: 'Day of month',
    noun: 'day of month',
    min: 1,
    max: 31,
    options: range(1, 31).map((v) => ({ value: v, label: String(v) })),
  },
  {
    key: 'month',
    every: 'Every month',
    label: 'Month',
    noun: 'month',
    min: 1,
    max: 12,
    names: MONTH_NAMES,
    nameBase: 1,
    options: MONTH_NAMES.map((name, i) => ({ value: i + 1, label: capitalize(name) })),
  },
  {
    key: 'dayOfWeek',
    every: 'Every weekday',
    label: 'Weekday',
    noun: 'weekday',
    min: 0,
    max: 6,
    names: DAY_NAMES,
    nameBase: 0,
    // Monday first, as people read a week; values stay crontab's (0 = Sunday).
    options: [1, 2, 3, 4, 5, 6, 0].map((v) => ({ value: v, label: capitalize(DAY_NAMES[v]) })),
  },
]

export const CRON_PRESETS = [
  { id: 'every_15_min', label: 'Every 15 min', expression: '*/15 * * * *' },
  { id: 'hourly', label: 'Hourly', expression: '0 * * * *' },
  { id: 'daily', label: 'Daily 07:00', expression: '0 7 * * *' },
  { id: 'weekdays', label: 'Weekdays 09:00', expression: '0 9 * * 1-5' },
  { id: 'weekly', label: 'Sundays 02:00', expression: '0 2 * * 0' },
  { id: 'monthly', label: 'Monthly, 1st 00:00', expression: '0 0 1 * *' },
]

function range(from, to) {
  const values = []
  for (let v = from; v <= to; v += 1) values.push(v)
  return values
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** Five field strings, or null when the expression does not have five fields. */
export function splitExpression(expression) {
  const fields = String(expression || '').trim().split(/\s+/)
  return fields.length === 5 && fields[0] !== '' ? fields : null
}

function parseValue(text, spec) {
  const lower = text.toLowerCase()
  if (spec.names) {
    const index = spec.names.indexOf(lower)
    if (index >= 0) return index + spec.nameBase
  }
  if (!/^\d+$/.test(text)) return null
  let value = Number(text)
  // crontab(5): day-of-week 7 is Sunday as well as 0.
  if (spec.key === 'dayOfWeek' && value === 7) value = 0
  return value
}

/**
 * The sorted values a field matches, `[]` for `*` (every value), or null when the
 * builder cannot show it (the raw text is then kept as typed).
 */
export function expandField(text, spec) {
  if (text === '*') return []
  const values = new Set()
  for (const part of text.split(',')) {
    const match = /^([^/]+)(?:\/(\d+))?$/.exec(part)
    if (!match) return null
    const step = match[2] ? Number(match[2]) : 1
    if (step < 1) return null
    let start
    let end
    if (match[1] === '*') {
      start = spec.min
      end = spec.max
    } else if (match[1].includes('-')) {
      const [a, b] = match[1].split('-')
      start = parseValue(a, spec)
      end = parseValue(b, spec)
      // Sunday as 7 at the end of a range (5-7) means up to Sunday.
      if (spec.key === 'dayOfWeek' && b === '7') end = 7
    } else {
      start = parseValue(match[1], spec)
      end = match[2] ? spec.max : start
    }
    if (start === null || end === null || start > end) return null
    for (let v = start; v <= end; v += step) {
      const value = spec.key === 'dayOfWeek' && v === 7 ? 0 : v
      if (value < spec.min || value > spec.max) return null
      values.add(value)
    }
  }
  return [...values].sort((a, b) => a - b)
}

/** Values back into a field: [] -> "*", [8..23] -> "8-23", [0, 30] -> "0,30". */
export function compressField(values, spec) {
  const sorted = [...new Set(values)].sort((a, b) => a - b)
  if (sorted.length === 0) return '*'
  if (sorted.length === spec.max - spec.min + 1) return '*'
  const parts = []
  let start = sorted[0]
  let previous = sorted[0]
  const flush = () => {
    if (previous - start >= 2) parts.push(`${start}-${previous}`)
    else if (previous === start) parts.push(String(start))
    else parts.push(`${start},${previous}`)
  }
  for (const value of sorted.slice(1)) {
    if (value === previous + 1) {
      previous = value
      continue
    }
    flush()
    start = value
    previous = value
  }
  flush()
  return parts.join(',')
}

/** Replace one field of an expression, keeping the other four as typed. */
export function replaceField(expression, index, fieldText) {
  const fields = splitExpression(expression) || ['*', '*', '*', '*', '*']
  fields[index] = fieldText
  return fields.join(' ')
}

/**
 * What is wrong with a field the builder can read, in words with the allowed range
 * ("minute 61 is out of range 0-59"), or '' when nothing is (or the builder cannot
 * tell: the server then judges the whole expression).
 */
export function fieldProblem(text, spec) {
  // Weekday 7 is Sunday, as in crontab(5).
  const max = spec.key === 'dayOfWeek' ? 7 : spec.max
  const range = `${spec.min}-${max}`
  for (const part of String(text).split(',')) {
    const match = /^([^/]+)(?:\/(\d+))?$/.exec(part)
    if (!match) continue
    if (match[2] !== undefined && Number(match[2]) < 1) return `${spec.noun} step ${match[2]} must be 1 or more`
    for (const bound of match[1] === '*' ? [] : match[1].split('-')) {
      if (!/^\d+$/.test(bound)) continue
      const value = Number(bound)
      if (value < spec.min || value > max) return `${spec.noun} ${value} is out of range ${range}`
    }
  }
  return ''
}
