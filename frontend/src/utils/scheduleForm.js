/** Pure helpers behind ScheduleForm: blank values, payload cleaning, 422 error mapping. */

import { humanMessage } from './fieldMessages'
import { DEFAULT_TIMEZONE } from './format'
import { CONCURRENCY_POLICIES as POLICIES, RETRY_DEFAULTS } from './runControl'

export const FORM_FIELDS = [
  'name',
  'description',
  'enabled',
  'workflow_type',
  'parameters',
  'cron_schedule',
  'timezone',
  'timeout_seconds',
  'concurrency_policy',
  'catch_up',
  'max_retries',
  'retry_delay_seconds',
  'retry_backoff',
  'retry_max_delay_seconds',
  'priority',
  'starting_deadline_seconds',
  'pause_on_failure',
  'depends_on',
  'group',
  'tags',
  'notify',
]

// Run control as the server defaults it (schemas.ScheduleCreateRequest).
const RUN_CONTROL_DEFAULTS = { ...RETRY_DEFAULTS, priority: 0, starting_deadline_seconds: null, pause_on_failure: false }

// Names a server might use for a field that the form calls differently.
const FIELD_ALIASES = { expression: 'cron_schedule', cron: 'cron_schedule' }

export const CONCURRENCY_POLICIES = POLICIES.map((p) => ({ value: p.value, label: `${p.label}: ${p.sentence}` }))

// `short` is for the schedule's page ("after downtime: one catch-up run").
export const CATCH_UP_POLICIES = [
  { value: 'once', label: 'Once: one catch-up run for the missed fires', short: 'one catch-up run' },
  { value: 'skip', label: 'Skip: leave the missed fires out', short: 'missed fires skipped' },
]

/**
 * A value of an `any` parameter (the registry's short form, `{"number": "-n"}`) as
 * typed: a number when the text is one as written (5, 0.8, -2), else the text. "007"
 * or "1e3" stay text, so what the command receives is what was typed either way.
 */
export function anyValue(value) {
  if (typeof value !== 'string') return value
  const text = value.trim()
  if (text === '') return ''
  const number = Number(text)
  return Number.isFinite(number) && String(number) === text ? number : value
}

function emptyValue(param) {
  if (param.default !== undefined && param.default !== null) {
    return Array.isArray(param.default) ? [...param.default] : param.default
  }
  if (param.type === 'list') return []
  if (param.type === 'boolean') return false
  return null
}

/** Parameter values for a workflow: the given ones where set, else the defaults. */
export function parameterValues(workflow, given = {}) {
  const values = {}
  for (const param of workflow?.parameters || []) {
    values[param.name] = param.name in given ? given[param.name] : emptyValue(param)
  }
  return values
}

/** Form state from a schedule (edit), a template (create from it) or nothing. */
export function formFromSource(source = {}, workflow = null) {
  const params = { ...(source.parameters || {}) }
  const customArgs = Array.isArray(params.custom_args) ? [...params.custom_args] : []
  delete params.custom_args
  return {
    name: source.name || '',
    description: source.description || '',
    enabled: source.enabled ?? true,
    workflow_type: source.workflow_type || workflow?.name || null,
    parameters: workflow ? parameterValues(workflow, params) : params,
    custom_args: customArgs,
    cron_schedule: source.cron_schedule || '0 * * * *',
    timezone: source.timezone || DEFAULT_TIMEZONE,
    timeout_seconds: source.timeout_seconds ?? null,
    concurrency_policy: source.concurrency_policy || 'forbid',
    catch_up: source.catch_up || 'once',
    group: source.group || '',
    tags: Array.isArray(source.tags) ? [...source.tags] : [],
    ...runControlFromSource(source),
    notify: (source.notify || []).map((s) => ({ channel: s.channel, on: [...(s.on || [])] })),
  }
}

/**
 * The run-control fields of a schedule or template. `depends_on` keeps each upstream's name
 * (from `upstream`, when the server sent it) so the form can show it; it is not sent.
 */
function runControlFromSource(source) {
  const names = new Map((source.upstream || []).map((u) => [u.schedule_id, u.name]))
  const values = {}
  for (const [key, fallback] of Object.entries(RUN_CONTROL_DEFAULTS)) values[key] = source[key] ?? fallback
  values.depends_on = (source.depends_on || []).map((d) => ({
    schedule_id: d.schedule_id,
    on: d.on || 'success',
    name: d.name || names.get(d.schedule_id) || '',
  }))
  return values
}

function isUnset(value) {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)
}

/** The request body for POST/PUT /schedules. Unset parameters are left to the server's defaults. */
export function payloadFromForm(form, workflow = null) {
  const parameters = {}
  const types = workflow ? new Map(workflow.parameters.map((p) => [p.name, p.type])) : null
  for (const [name, value] of Object.entries(form.parameters || {})) {
    if (types && !types.has(name)) continue
    const sent = types?.get(name) === 'any' ? anyValue(value) : value
    if (isUnset(sent)) continue
    parameters[name] = sent
  }
  if (form.custom_args?.length) parameters.custom_args = [...form.custom_args]
  return {
    name: form.name.trim(),
    description: form.description.trim(),
    enabled: form.enabled,
    workflow_type: form.workflow_type,
    parameters,
    cron_schedule: form.cron_schedule.trim(),
    timezone: form.timezone,
    concurrency_policy: form.concurrency_policy,
    catch_up: form.catch_up || 'once',
    // Left out when empty: the server then keeps its default (it does not accept null).
    ...(isUnset(form.timeout_seconds) ? {} : { timeout_seconds: form.timeout_seconds }),
    ...runControlPayload(form),
    // Always sent: null clears a group an earlier save set, [] its tags.
    group: form.group?.trim() || null,
    tags: [...new Set(form.tags || [])],
  }
}

// An emptied number field means the server's default, as the timeout does.
const orDefault = (value, key) => (value === null || value === undefined || value === '' ? RUN_CONTROL_DEFAULTS[key] : value)

function runControlPayload(form) {
  return {
    max_retries: orDefault(form.max_retries, 'max_retries'),
    retry_delay_seconds: orDefault(form.retry_delay_seconds, 'retry_delay_seconds'),
    retry_backoff: orDefault(form.retry_backoff, 'retry_backoff'),
    retry_max_delay_seconds: orDefault(form.retry_max_delay_seconds, 'retry_max_delay_seconds'),
    priority: orDefault(form.priority, 'priority'),
    // Always sent: null clears a deadline that an earlier save set.
    starting_deadline_seconds: isUnset(form.starting_deadline_seconds) ? null : form.starting_deadline_seconds,
    pause_on_failure: Boolean(form.pause_on_failure),
    depends_on: (form.depends_on || []).map(({ schedule_id, on }) => ({ schedule_id, on })),
    notify: (form.notify || []).map(({ channel, on }) => ({ channel, on: [...on] })),
  }
}

/**
 * Sorts a 422's `[{field, message}]` into the form: `{fields: {name: msg}, general: [msg]}`.
 * A nested field (`parameters.regions.0`) lands at the closest field the form shows.
 */
export function mapFieldErrors(errors, parameterNames = []) {
  const names = new Set([...FORM_FIELDS, 'parameters.custom_args', ...parameterNames.map((n) => `parameters.${n}`)])
  // One upstream's row (`depends_on.0`) holds the errors of its parts (`depends_on.0.on`),
  // and one subscription's (`notify[0]`) those of its channel and events.
  const known = { has: (key) => names.has(key) || /^depends_on\.\d+$/.test(key) || /^notify\[\d+\]$/.test(key) }
  const fields = {}
  const general = []
  for (const { field, message: raw } of errors || []) {
    const message = humanMessage(field || '', raw)
    let key = FIELD_ALIASES[field] || field || ''
    while (key && !known.has(key) && key.includes('.')) key = key.slice(0, key.lastIndexOf('.'))
    if (key && known.has(key)) {
      fields[key] = fields[key] ? `${fields[key]}; ${message}` : message
    } else {
      general.push(field ? `${field}: ${message}` : message)
    }
  }
  return { fields, general }
}
