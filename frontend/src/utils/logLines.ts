/**
 * A run's log as the viewer shows it: stdout and stderr segments (as the server sends
 * them) cut into lines, ANSI colours turned into escaped HTML, search hits marked.
 */
import { AnsiUp } from 'ansi_up'

export type LogStream = 'stdout' | 'stderr'
export interface LogSegment {
  stream: LogStream
  text: string
}
export interface LogChunk {
  content?: string
  segments?: LogSegment[] | null
}
export interface LogLine {
  stream: LogStream
  html: string
  /** How many search hits the line holds; its marks are numbered from `firstMatch`. */
  matches: number
  firstMatch: number
}

/** The segments of one answer of `GET /runs/{id}/log`; without them, all of it is stdout. */
export function chunkSegments(chunk: LogChunk): LogSegment[] {
  if (Array.isArray(chunk.segments)) {
    return chunk.segments.map((s) => ({ stream: s.stream === 'stderr' ? 'stderr' : 'stdout', text: String(s.text ?? '') }))
  }
  return chunk.content ? [{ stream: 'stdout', text: chunk.content }] : []
}

/** `into` with `more` appended, neighbours of one stream joined. */
export function appendSegments(into: LogSegment[], more: LogSegment[]): LogSegment[] {
  const out = into.slice()
  for (const segment of more) {
    if (!segment.text) continue
    const last = out[out.length - 1]
    if (last && last.stream === segment.stream) out[out.length - 1] = { stream: last.stream, text: last.text + segment.text }
    else out.push({ ...segment })
  }
  return out
}

/** Lines, each of one stream; a final newline does not make an empty last line. */
export function splitLines(segments: LogSegment[]): { stream: LogStream; text: string }[] {
  const lines: { stream: LogStream; text: string }[] = []
  for (const { stream, text } of segments) {
    const parts = text.split('\n')
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop()
    for (const part of parts) lines.push({ stream, text: part.replace(/\r$/, '') })
  }
  return lines
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#39;': "'" }

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (entity) => ENTITIES[entity])
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
}

/** Marks each hit of `needle` (case-insensitive) in the text of `html`, never inside a tag. */
function markMatches(html: string, needle: string, first: number): { html: string; count: number } {
  const lower = needle.toLowerCase()
  let count = 0
  const out = html.split(/(<[^>]*>)/).map((part) => {
    if (part.startsWith('<')) return part
    const text = unescapeHtml(part)
    const hay = text.toLowerCase()
    let at = 0
    let result = ''
    for (let hit = hay.indexOf(lower); hit >= 0; hit = hay.indexOf(lower, hit + lower.length)) {
      result += escapeHtml(text.slice(at, hit))
      result += `<mark class="run-log-match" data-match="${first + count}">${escapeHtml(text.slice(hit, hit + lower.length))}</mark>`
      at = hit + lower.length
      count += 1
    }
    return result + escapeHtml(text.slice(at))
  })
  return { html: out.join(''), count }
}

/** The lines as escaped HTML with ANSI colours (inline styles), search hits marked. */
export function renderLines(segments: LogSegment[], needle = ''): LogLine[] {
  const ansi = new AnsiUp()
  ansi.escape_html = true
  // No links from a log: a command's output must not put hrefs into the page.
  ansi.url_allowlist = {}
  let total = 0
  return splitLines(segments).map(({ stream, text }) => {
    let html = ansi.ansi_to_html(text)
    let matches = 0
    const firstMatch = total
    if (needle) {
      const marked = markMatches(html, needle, total)
      html = marked.html
      matches = marked.count
      total += matches
    }
    return { stream, html, matches, firstMatch }
  })
}
