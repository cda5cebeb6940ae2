/**
 * The one door to the tickwork HTTP API (`/api/v1`).
 *
 * Every request goes through `request()`, which sends JSON with same-origin
 * credentials and turns any non-2xx answer into an `ApiError` that carries the
 * HTTP status, the server's error code and, for a 422, the per-field errors.
 */

export const API_BASE = '/api/v1'

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {{error?: string, message?: string, errors?: {field: string, message: string}[]}} body
   */
  constructor(status, body = {}) {
    super(body.message || defaultMessage(status))
    this.name = 'ApiError'
    this.status = status
    this.code = body.error || (status === 0 ? 'network_error' : 'http_error')
    this.errors = Array.isArray(body.errors) ? body.errors : []
  }

  get isValidation() {
    return this.status === 422
  }

  /** The 422 errors as `{field: message}`; several messages for one field are joined. */
  fieldErrors() {
    const byField = {}
    for (const { field, message } of this.errors) {
      const key = field || ''
      byField[key] = byField[key] ? `${byField[key]}; ${message}` : message
    }
    return byField
  }
}

function defaultMessage(status) {
  if (status === 0) return 'The tickwork server cannot be reached.'
  return `The server answered ${status}.`
}

export function buildQuery(params = {}) {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    // Unset filters are left out rather than sent as empty strings.
    if (value === undefined || value === null || value === '') continue
    search.append(key, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

async function readBody(response) {
  if (response.status === 204) return null
  const text = await response.text()
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return { message: text.slice(0, 300) }
  }
}

export async function request(method, path, { query, body, signal } = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
    signal,
  }
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let response
  try {
    response = await fetch(`${API_BASE}${path}${buildQuery(query)}`, init)
  } catch (error) {
    if (error?.name === 'AbortError') throw error
    throw new ApiError(0, {})
  }
  const data = await readBody(response)
  if (!response.ok) throw new ApiError(response.status, data || {})
  return data
}

const id = (value) => encodeURIComponent(value)

export const scheduleApi = {
  getSchedules: (params = {}, options = {}) => request('GET', '/schedules', { query: params, ...options }),
  getSchedule: (scheduleId) => request('GET', `/schedules/${id(scheduleId)}`),
  createSchedule: (data) => request('POST', '/schedules', { body: data }),
  updateSchedule: (scheduleId, data) => request('PUT', `/schedules/${id(scheduleId)}`, { body: data }),
  deleteSchedule: (scheduleId) => request('DELETE', `/schedules/${id(scheduleId)}`),
  /** Flips the schedule, or sets it when `enabled` is a boolean. */
  toggleSchedule: (scheduleId, enabled) =>
    request('POST', `/schedules/${id(scheduleId)}/toggle`, {
      body: typeof enabled === 'boolean' ? { enabled } : {},
    }),
  runScheduleNow: (scheduleId) => request('POST', `/schedules/${id(scheduleId)}/run`, { body: {} }),
  getExecutionHistory: (scheduleId, params = {}) =>
    request('GET', `/schedules/${id(scheduleId)}/runs`, { query: params }),

  getSchedulerStatus: () => request('GET', '/schedules/status'),
  pauseScheduler: () => request('POST', '/scheduler/pause', { body: {} }),
  resumeScheduler: () => request('POST', '/scheduler/resume', { body: {} }),

  getWorkflows: () => request('GET', '/workflows'),
  getTemplates: () => request('GET', '/templates'),
  previewCron: ({ expression, timezone, count = 5, after } = {}, options = {}) =>
    request('GET', '/cron/preview', { query: { expression, timezone, count, after }, ...options }),

  getRun: (runId) => request('GET', `/runs/${id(runId)}`),
  getRunLog: (runId, offset = 0) => request('GET', `/runs/${id(runId)}/log`, { query: { offset } }),
  cancelRun: (runId) => request('POST', `/runs/${id(runId)}/cancel`, { body: {} }),

  exportSchedules: () => request('GET', '/schedules/export'),
  importSchedules: (document) => request('POST', '/schedules/import', { body: document }),
}

export const EVENTS_URL = `${API_BASE}/events`
