/**
 * Field limits and messages in words. The limits are the API's (src/tickwork/schemas.py:
 * Name, Description, CronExpression, TimeZoneName, Timeout); the server stays the judge,
 * the page only says the same thing sooner and in the user's terms.
 */

export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600

export const LIMITS = {
  name: { max: 200 },
  description: { max: 2000 },
  workflow_type: { max: 100 },
  cron_schedule: { max: 200 },
  timezone: { max: 64 },
  timeout_seconds: { min: 1, max: MAX_TIMEOUT_SECONDS },
  max_retries: { min: 0, max: 100 },
  retry_delay_seconds: { min: 0, max: MAX_TIMEOUT_SECONDS },
  retry_backoff: { min: 1, max: 10 },
  retry_max_delay_seconds: { min: 0, max: MAX_TIMEOUT_SECONDS },
  priority: { min: -100, max: 100 },
  starting_deadline_seconds: { min: 1, max: MAX_TIMEOUT_SECONDS },
  depends_on: { max: 50 },
  group: { max: 100 },
  tags: { max: 20 },
  tag: { max: 50 },
} as const

/** A tag as the API takes it (schemas.TAG_PATTERN): a letter or digit, then also `_ . : -`. */
export const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/

/** What the page calls each schedule field, for messages and lists of problems. */
export const FIELD_LABELS: Record<string, string> = {
  name: 'name',
  description: 'description',
  enabled: 'enabled',
  workflow_type: 'workflow type',
  parameters: 'parameters',
  cron_schedule: 'cron expression',
  timezone: 'time zone',
  timeout_seconds: 'timeout',
  concurrency_policy: 'overlap policy',
  catch_up: 'after-downtime policy',
  max_retries: 'retries',
  retry_delay_seconds: 'retry delay',
  retry_backoff: 'backoff factor',
  retry_max_delay_seconds: 'longest retry delay',
  priority: 'priority',
  starting_deadline_seconds: 'start deadline',
  pause_on_failure: 'pause on failure',
  depends_on: 'run after',
  group: 'group',
  tags: 'tags',
  id: 'id',
}

/** "7 days", "1 h 30 min", "45 s": a number of seconds as people say it. */
export function secondsInWords(total: number): string {
  const units: [number, string, string][] = [
    [86400, 'day', 'days'],
    [3600, 'hour', 'hours'],
    [60, 'minute', 'minutes'],
    [1, 'second', 'seconds'],
  ]
  const parts: string[] = []
  let rest = Math.round(total)
  for (const [size, one, many] of units) {
    const count = Math.floor(rest / size)
    if (count) parts.push(`${count} ${count === 1 ? one : many}`)
    rest -= count * size
  }
  return parts.slice(0, 2).join(' ') || '0 seconds'
}

const TIMEOUT_RANGE = `between 1 second and ${secondsInWords(MAX_TIMEOUT_SECONDS)} (${MAX_TIMEOUT_SECONDS.toLocaleString('en-GB')} seconds)`

/** The field's own name in words: `schedules.1.timezone` → "time zone", `parameters.number` → "parameter “number”". */
export function fieldLabel(field: string): string {
  const parts = field.split('.').filter((p) => !/^\d+$/.test(p) && p !== 'schedules')
  if (parts[0] === 'parameters' && parts[1]) return `parameter “${parts[1]}”`
  const key = parts[0] || field
  return FIELD_LABELS[key] || key.replace(/_/g, ' ')
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

const isTimeout = (field: string) => /(^|\.)timeout_seconds$/.test(field)

/**
 * A validator's message (pydantic's, as the API passes it on) in words with units and
 * ranges. Messages already written for people (the cron and zone checks) stay as they are.
 */
export function humanMessage(field: string, message: string): string {
  const label = fieldLabel(field)
  let match: RegExpExecArray | null
  if (/^Field required$/i.test(message) || /^String should have at least 1 character/.test(message)) {
    return `${capitalize(label)} is required.`
  }
  if ((match = /^String should have at least (\d+) characters?/.exec(message))) {
    return `${capitalize(label)} needs at least ${match[1]} characters.`
  }
  if ((match = /^String should have at most (\d+) characters?/.exec(message))) {
    return `${capitalize(label)} can have at most ${Number(match[1]).toLocaleString('en-GB')} characters.`
  }
  if (isTimeout(field) && /^Input should be (less|greater) than/.test(message)) {
    return `The timeout must be ${TIMEOUT_RANGE}.`
  }
  if ((match = /^Input should be less than or equal to (-?[\d.]+)/.exec(message))) {
    return `${capitalize(label)} can be at most ${match[1]}.`
  }
  if ((match = /^Input should be greater than or equal to (-?[\d.]+)/.exec(message))) {
    return `${capitalize(label)} must be at least ${match[1]}.`
  }
  if (/^Input should be a valid integer/.test(message)) {
    return isTimeout(field) ? 'The timeout must be a whole number of seconds.' : `${capitalize(label)} must be a whole number.`
  }
  if (/^Input should be a valid (string|number|boolean|dictionary|list)/.test(message)) {
    const kind = /valid (\w+)/.exec(message)![1]
    const words: Record<string, string> = { string: 'text', number: 'a number', boolean: 'on or off', dictionary: 'a set of named values', list: 'a list' }
    return `${capitalize(label)} must be ${words[kind]}.`
  }
  if ((match = /^Input should be (('[^']*'(, | or )?)+)$/.exec(message))) {
    return `${capitalize(label)} must be one of ${match[1].replace(/'/g, '')}.`
  }
  if (message === 'unknown field') return `${capitalize(label)} is not a field tickwork knows.`
  return message
}

/** The form's own check of the timeout (empty: the server's default). */
export function timeoutProblem(value: number | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (!Number.isInteger(value)) return 'The timeout must be a whole number of seconds.'
  if (value < LIMITS.timeout_seconds.min || value > LIMITS.timeout_seconds.max) return `The timeout must be ${TIMEOUT_RANGE}.`
  return ''
}

/** What is wrong with one tag, in words ('' when nothing is). */
export function tagProblem(tag: string): string {
  if (tag.length > LIMITS.tag.max) return `“${tag.slice(0, 20)}…” is longer than ${LIMITS.tag.max} characters.`
  if (!TAG_PATTERN.test(tag)) {
    return `“${tag}” is not a tag: letters, digits and _ . : - only, starting with a letter or digit (no spaces).`
  }
  return ''
}

/** The form's check of the tags: each one, and how many. */
export function tagsProblem(tags: string[]): string {
  if (tags.length > LIMITS.tags.max) return `At most ${LIMITS.tags.max} tags.`
  return tags.map(tagProblem).find(Boolean) || ''
}

/** The form's check of the group (empty: no group). */
export function groupProblem(group: string): string {
  return group.trim().length > LIMITS.group.max ? `The group can have at most ${LIMITS.group.max} characters.` : ''
}

/** The form's own checks before anything is sent: `{field: message}`, empty when all is well. */
export function validateSchedule(form: {
  name: string
  workflow_type: string | null
  cron_schedule: string
  timezone: string | null
  timeout_seconds: number | null
  group?: string
  tags?: string[]
}): Record<string, string> {
  const problems: Record<string, string> = {}
  if (!form.name.trim()) problems.name = 'Name is required.'
  if (!form.workflow_type) problems.workflow_type = 'Workflow type is required: choose one.'
  if (!form.cron_schedule.trim()) problems.cron_schedule = 'Cron expression is required.'
  if (!form.timezone) problems.timezone = 'Time zone is required.'
  const timeout = timeoutProblem(form.timeout_seconds)
  if (timeout) problems.timeout_seconds = timeout
  const group = groupProblem(form.group ?? '')
  if (group) problems.group = group
  const tags = tagsProblem(form.tags ?? [])
  if (tags) problems.tags = tags
  return problems
}

type RangedField = 'max_retries' | 'retry_delay_seconds' | 'retry_backoff' | 'retry_max_delay_seconds' | 'priority' | 'starting_deadline_seconds'
const WHOLE: RangedField[] = ['max_retries', 'retry_delay_seconds', 'retry_max_delay_seconds', 'priority', 'starting_deadline_seconds']

/**
 * The form's own range checks of the run-control numbers (empty: the server's default, or
 * no deadline), in the words the server's 422 would be turned into.
 */
export function runControlProblems(form: Partial<Record<RangedField, number | null>> & { depends_on?: unknown[] }): Record<string, string> {
  const problems: Record<string, string> = {}
  for (const field of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    // Only the ranged numbers: lengths and counts have their own checks.
    if (!(field in form) || !('min' in LIMITS[field])) continue
    const value = form[field as RangedField]
    if (value === null || value === undefined || field === 'timeout_seconds') continue
    const { min, max } = LIMITS[field] as { min: number; max: number }
    const label = capitalize(fieldLabel(field))
    if (WHOLE.includes(field as RangedField) && !Number.isInteger(value)) problems[field] = `${label} must be a whole number.`
    else if (value < min || value > max) problems[field] = `${label} must be between ${min.toLocaleString('en-GB')} and ${max.toLocaleString('en-GB')}.`
  }
  if ((form.depends_on?.length ?? 0) > LIMITS.depends_on.max) problems.depends_on = `At most ${LIMITS.depends_on.max} schedules to run after.`
  return problems
}

/** "Another schedule is already called …" when a loaded one has this name (trimmed, any case). */
export function duplicateNameWarning(name: string, others: { id?: string; name: string }[], selfId: string | null = null): string {
  const wanted = name.trim().toLowerCase()
  if (!wanted) return ''
  const twin = others.find((s) => s.id !== selfId && s.name.trim().toLowerCase() === wanted)
  return twin ? `Another schedule is already called “${twin.name.trim()}”: two alike are easy to mix up.` : ''
}
