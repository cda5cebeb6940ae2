import { describe, expect, it } from 'vitest'
import { formatBytes, formatDateTime, formatDuration, formatRelative, shellQuote, zoneAbbreviation } from '@/utils/format'

describe('formatDateTime', () => {
  it('shows the instant in the given zone with the zone named', () => {
    // 07:00 UTC in late November is 08:00 in Berlin (CET, UTC+1).
    expect(formatDateTime('2026-11-27T07:00:00Z', 'Europe/Berlin')).toMatch(/08:00 CET/)
    // And 02:00 in New York (UTC-5; en-GB names the offset, not "EST").
    expect(formatDateTime('2026-11-27T07:00:00Z', 'America/New_York')).toMatch(/02:00 GMT-5/)
  })

  it('uses summer time in summer', () => {
    expect(formatDateTime('2026-07-01T07:00:00Z', 'Europe/Berlin')).toMatch(/09:00 CEST/)
  })

  it('shows a dash for nothing', () => {
    expect(formatDateTime(null, 'UTC')).toBe('—')
  })
})

describe('zoneAbbreviation', () => {
  it('names the zone as it is at that instant, summer or winter', () => {
    expect(zoneAbbreviation('2026-01-15T12:00:00Z', 'Europe/Berlin')).toBe('CET')
    expect(zoneAbbreviation('2026-07-15T12:00:00Z', 'Europe/Berlin')).toBe('CEST')
    expect(zoneAbbreviation('2026-01-15T12:00:00Z', 'America/New_York')).toBe('GMT-5')
    expect(zoneAbbreviation(null, 'Europe/Berlin')).toBe('')
  })
})

describe('formatRelative', () => {
  const now = Date.parse('2026-11-27T10:00:00Z')

  it('says how far ahead or back', () => {
    expect(formatRelative('2026-11-27T12:13:00Z', now)).toBe('in 2 h 13 min')
    expect(formatRelative('2026-11-27T09:55:00Z', now)).toBe('5 min ago')
    expect(formatRelative('2026-11-29T13:00:00Z', now)).toBe('in 2 d 3 h')
    expect(formatRelative('2026-11-27T10:00:40Z', now)).toBe('in 40 s')
    expect(formatRelative('2026-11-27T10:59:58Z', now)).toBe('in 59 min 58 s')
  })

  it('never puts a past time ahead', () => {
    expect(formatRelative('2026-11-27T10:00:08Z', now, { past: true })).toBe('just now')
    expect(formatRelative('2026-11-27T09:59:52Z', now, { past: true })).toBe('8 s ago')
  })
})

describe('formatDuration and formatBytes', () => {
  it('reads as a person would say it', () => {
    expect(formatDuration(3.061)).toBe('3.1 s')
    expect(formatDuration(125)).toBe('2 min 5 s')
    expect(formatDuration(3720)).toBe('1 h 2 min')
    expect(formatDuration(null)).toBe('—')
    expect(formatBytes(12365824)).toBe('11.8 MB')
  })
})

describe('shellQuote', () => {
  it('quotes what a shell would split or expand', () => {
    expect(shellQuote(['python', 'main.py', '-r', 'germany', 'new york', "it's", ''])).toBe(
      `python main.py -r germany 'new york' 'it'\\''s' ''`,
    )
    expect(shellQuote(['echo', '$HOME', 'a;b'])).toBe(`echo '$HOME' 'a;b'`)
  })

  it('writes control characters as escapes ($\'...\'), never raw', () => {
    expect(shellQuote(['printf', '\x1b[1mbold\x1b[0m\n', "it's\ta\\b", '\x07'])).toBe(
      String.raw`printf $'\e[1mbold\e[0m\n' $'it\'s\ta\\b' $'\x07'`,
    )
  })
})
