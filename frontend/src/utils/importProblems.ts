/** A refused import's 422 errors, placed: which schedule of the file, which field, in words. */
import { fieldLabel, humanMessage } from './fieldMessages'

export interface FieldError {
  field: string
  message: string
}
export interface ImportProblem {
  /** Index in the file's `schedules` list, null for the file as a whole. */
  index: number | null
  /** "Schedule 2 “Nightly export”", or "The file". */
  where: string
  /** "time zone", "parameter “number”", or '' for the schedule as a whole. */
  field: string
  message: string
}

type ImportDocument = { schedules?: { name?: unknown }[] } | { name?: unknown }[] | null | undefined

function schedulesOf(document: ImportDocument): { name?: unknown }[] {
  if (Array.isArray(document)) return document
  return Array.isArray(document?.schedules) ? document.schedules : []
}

/** One problem per error, in the file's order, each at its place. */
export function importProblems(errors: FieldError[], document: ImportDocument): ImportProblem[] {
  const schedules = schedulesOf(document)
  const problems = errors.map(({ field = '', message }) => {
    const match = /^schedules\.(\d+)(?:\.(.+))?$/.exec(field)
    if (!match) {
      return { index: null, where: 'The file', field: field ? fieldLabel(field) : '', message: humanMessage(field, message) }
    }
    const index = Number(match[1])
    const rest = match[2] || ''
    const name = schedules[index]?.name
    const named = typeof name === 'string' && name.trim() ? ` “${name.trim()}”` : ''
    return {
      index,
      where: `Schedule ${index + 1}${named}`,
      field: rest ? fieldLabel(rest) : '',
      message: humanMessage(rest, message),
    }
  })
  return problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1))
}
