/** Display helpers: times in a schedule's zone, relative times, durations, sizes, argv. */

export const DEFAULT_TIMEZONE = 'Europe/Berlin'
const LOCALE = 'en-GB'

const formatterCache = new Map()

function formatter(timeZone, options) {
  const key = `${timeZone}|${JSON.stringify(options)}`
  if (!formatterCache.has(key)) {
    let instance
    try {
      instance = new Intl.DateTimeFormat(LOCALE, { ...options, timeZone })
    } catch {
      // An unknown zone from the server must not break the page: fall back to UTC.
      instance = new Intl.DateTimeFormat(LOCALE, { ...options, timeZone: 'UTC' })
    }
    formatterCache.set(key, instance)
  }
  return formatterCache.get(key)
}

function toDate(value) {
  if (!value) return null
  const date = value instanceof Date ? value : new Date(value)
  return Number.isNaN(date.getTime()) ? null : date
}

/** "Mon 3 Mar 2025, 14:00 CET" in the given IANA zone. */
export function formatDateTime(value, timeZone = DEFAULT_TIMEZONE, { seconds = false } = {}) {
  const date = toDate(value)
  if (!date) return '—'
  return formatter(timeZone, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    timeZoneName: 'short',
  }).format(date)
}

/** "14:00:05" in the given zone, for compact lists. */
/** "CET", "GMT-5": the zone's short name at that instant ('' for no instant). */
export function zoneAbbreviation(value, timeZone = DEFAULT_TIMEZONE) {
  const date = toDate(value)
  if (!date) return ''
  // Cached like every formatter here: a page of 100 rows would otherwise build 100 of them.
  const parts = formatter(timeZone, { timeZoneName: 'short' }).formatToParts(date)
  return parts.find((p) => p.type === 'timeZoneName')?.value || ''
}

export function formatTime(value, timeZone = DEFAULT_TIMEZONE) {
  const date = toDate(value)
  if (!date) return '—'
  return formatter(timeZone, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(date)
}

/** "Mon 3 Mar, 14:00" (or "14:00:05" with seconds) in the given zone (zone named by the caller). */
export function formatShortDateTime(value, timeZone = DEFAULT_TIMEZONE, { seconds = false } = {}) {
  const date = toDate(value)
  if (!date) return '—'
  return formatter(timeZone, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
  }).format(date)
}

function spanParts(totalSeconds, { seconds: withSeconds = false } = {}) {
  const s = Math.round(Math.abs(totalSeconds))
  const days = Math.floor(s / 86400)
  const hours = Math.floor((s % 86400) / 3600)
  const minutes = Math.floor((s % 3600) / 60)
  const seconds = s % 60
  if (days > 0) return hours ? `${days} d ${hours} h` : `${days} d`
  if (hours > 0) return minutes ? `${hours} h ${minutes} min` : `${hours} h`
  if (minutes > 0) return withSeconds && seconds ? `${minutes} min ${seconds} s` : `${minutes} min`
  return `${seconds} s`
}

/**
 * "in 2 h 13 min", "in 59 min 58 s", "5 min ago", "now": the one way the page says how
 * far a time is, for lists and countdowns alike (under an hour to the second).
 *
 * `past: true` is for times that have happened (a run's end): they never read as
 * ahead, even when the clock they are compared with lags the server's a little.
 */
export function formatRelative(value, now = Date.now(), { past = false } = {}) {
  const date = toDate(value)
  if (!date) return ''
  let diff = (date.getTime() - (now instanceof Date ? now.getTime() : now)) / 1000
  if (past && diff > 0) diff = 0
  if (Math.abs(diff) < 1) return past ? 'just now' : 'now'
  return diff > 0 ? `in ${spanParts(diff, { seconds: true })}` : `${spanParts(diff)} ago`
}

/** 0.4 s, 12 s, 2 min 5 s, 1 h 2 min. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return '—'
  const value = Number(seconds)
  if (value < 60) return `${value < 10 ? value.toFixed(1) : Math.round(value)} s`
  if (value < 600) return `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`
  return spanParts(value)
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = Number(bytes)
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

const SAFE_ARG = /^[A-Za-z0-9_\-+=.,/:@%]+$/

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/
// eslint-disable-next-line no-control-regex
const ANSI_C_SPECIAL = /[\\'\x00-\x1f\x7f]/g
const ANSI_C_NAMED = { '\\': '\\\\', "'": "\\'", '\x1b': '\\e', '\n': '\\n', '\t': '\\t', '\r': '\\r' }

/**
 * POSIX shell quoting, for showing an argv list as one copyable line. An argument with
 * control characters (a colour code, a newline) takes bash's $'...' form with escapes:
 * raw, they would show as boxes or break the line.
 */
export function shellQuote(argv) {
  if (!Array.isArray(argv)) return ''
  return argv
    .map((arg) => {
      const text = String(arg)
      if (text === '') return "''"
      if (SAFE_ARG.test(text)) return text
      if (CONTROL.test(text)) {
        const escaped = text.replace(
          ANSI_C_SPECIAL,
          (c) => ANSI_C_NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
        )
        return `$'${escaped}'`
      }
      return `'${text.replace(/'/g, `'\\''`)}'`
    })
    .join(' ')
}

export function timeZones() {
  let zones
  try {
    zones = Intl.supportedValuesOf('timeZone')
  } catch {
    zones = []
  }
  const all = new Set(zones)
  all.add('UTC')
  all.add(DEFAULT_TIMEZONE)
  return [...all].sort()
}
