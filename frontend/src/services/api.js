/**
 * The one door to the tickwork HTTP API (`/api/v1`).
 *
 * Every request goes through `request()`, which sends JSON with same-origin
 * credentials and turns any non-2xx answer into an `ApiError` that carries the
 * HTTP status, the server's error code and, for a 422, the per-field errors.
 *
 * Sessions: the cookie is HttpOnly, so the page never sees it; what the page keeps
 * (in memory only) is the session's CSRF token from login or `/auth/me`, sent as
 * `X-CSRF-Token` with every request that changes something. A 401 calls the
 * handler given to `configureAuth` (the page sends the user to the login screen).
 */

import { setServerClockOffset } from '@/composables/useNow'
import { reportReachable } from '@/composables/useServerReachability'

export const API_BASE = '/api/v1'
export const CSRF_HEADER = 'X-CSRF-Token'
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const GATEWAY_DOWN = new Set([502, 503, 504])

let csrfToken = null
const hooks = { unauthorized: null, session: null }

/** The CSRF token of the current session; null in open mode or when logged out. */
export function setCsrfToken(token) {
  csrfToken = token || null
}

export function getCsrfToken() {
  return csrfToken
}

/**
 * @param {{onUnauthorized?: (error: ApiError) => void, onSession?: (me: object) => void}} handlers
 *   onUnauthorized: a request was answered 401 (not the login itself);
 *   onSession: a fresh `/auth/me` was read after a 403 (the role may have changed).
 */
export function configureAuth({ onUnauthorized = null, onSession = null } = {}) {
  hooks.unauthorized = onUnauthorized
  hooks.session = onSession
}

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

  get isForbidden() {
    return this.status === 403
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
  if (status === 401) return 'Your session has ended: log in again.'
  if (status === 403) return 'Not allowed.'
  return `The server answered ${status}.`
}

// What the page says for 401 and 403: the server's words are written for API clients
// ("send the API token ..."), or need a lead-in to read as a refusal.
function pageError(status, body) {
  if (status === 401) return new ApiError(401, { ...body, message: defaultMessage(401) })
  if (status === 403 && body.message) {
    const reason = body.message.replace(/\.$/, '')
    return new ApiError(403, { ...body, message: `Not allowed: ${reason}.` })
  }
  return new ApiError(status, body)
}

/** A query string; a list is sent as the key repeated (`?tag=a&tag=b`), an empty one not at all. */
export function buildQuery(params = {}) {
  const search = new URLSearchParams()
  const unset = (value) => value === undefined || value === null || value === ''
  for (const [key, value] of Object.entries(params)) {
    // Unset filters are left out rather than sent as empty strings.
    for (const item of Array.isArray(value) ? value : [value]) {
      if (!unset(item)) search.append(key, String(item))
    }
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

/** The server's clock against ours, from the answer's Date header (whole seconds). */
function measureClock(response, sentAt) {
  const header = response.headers?.get?.('Date')
  const serverTime = header ? Date.parse(header) : NaN
  if (Number.isNaN(serverTime)) return
  // The header is truncated to the second: +500 ms is its expected middle.
  setServerClockOffset(serverTime + 500 - (sentAt + Date.now()) / 2)
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

/** An error body as tickwork writes it (`{error, message}`), not a proxy's page. */
function isOwnError(data) {
  return typeof data?.error === 'string' && typeof data?.message === 'string'
}

async function send(method, path, { query, body, signal } = {}) {
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
  const token = UNSAFE_METHODS.has(method) ? csrfToken : null
  if (token) init.headers[CSRF_HEADER] = token
  let response
  const sentAt = Date.now()
  try {
    response = await fetch(`${API_BASE}${path}${buildQuery(query)}`, init)
  } catch (error) {
    if (error?.name === 'AbortError') throw error
    reportReachable(false)
    throw new ApiError(0, {})
  }
  const data = await readBody(response)
  // A gateway's 502-504 means the server behind it is not answering; a 503 in tickwork's
  // own error shape (its store in trouble) is the server answering.
  reportReachable(!GATEWAY_DOWN.has(response.status) || isOwnError(data))
  measureClock(response, sentAt)
  return { response, data, token }
}

/**
 * After a 403 on a write: read the session afresh. When its CSRF token is not the one
 * that was sent (another tab logged in again), the write is worth one more try; either
 * way the page learns the current role.
 */
async function freshTokenAfterForbidden(sent) {
  let me
  try {
    me = await request('GET', '/auth/me', { quiet: true })
  } catch (error) {
    if (error.status === 401) hooks.unauthorized?.(pageError(401, {}))
    return null
  }
  setCsrfToken(me.csrf_token)
  hooks.session?.(me)
  return me.csrf_token && me.csrf_token !== sent ? me.csrf_token : null
}

/**
 * @param {string} method
 * @param {string} path below `/api/v1`
 * @param {{query?: object, body?: any, signal?: AbortSignal, quiet?: boolean, retry?: boolean}} options
 *   quiet: a 401 is the caller's business (login, the first `/auth/me`): no redirect, and
 *   the server's own message; retry: false to skip the second try after a 403.
 */
export async function request(method, path, options = {}) {
  let { response, data, token } = await send(method, path, options)
  if (response.status === 403 && UNSAFE_METHODS.has(method) && options.retry !== false) {
    if (await freshTokenAfterForbidden(token)) ({ response, data } = await send(method, path, options))
  }
  if (response.ok) return data
  const body = data || {}
  if (response.status === 401 && options.quiet) throw new ApiError(401, body)
  const error = pageError(response.status, body)
  if (error.status === 401) hooks.unauthorized?.(error)
  throw error
}

const id = (value) => encodeURIComponent(value)

export const scheduleApi = {
  /**
   * One page: `{q, enabled, workflow_type, last_status, group, tag: [..], sort, page, page_size}`
   * → `{items, total, page, page_size}`; several tags mean all of them.
   */
  getSchedules: (params = {}, options = {}) => request('GET', '/schedules', { query: params, ...options }),
  getSchedule: (scheduleId) => request('GET', `/schedules/${id(scheduleId)}`),
  createSchedule: (data) => request('POST', '/schedules', { body: data }),
  updateSchedule: (scheduleId, data) => request('PUT', `/schedules/${id(scheduleId)}`, { body: data }),
  /** `detach`: delete even when other schedules run after it (they lose the link); else a 409 names them. */
  deleteSchedule: (scheduleId, { detach = false } = {}) =>
    request('DELETE', `/schedules/${id(scheduleId)}`, { query: { detach: detach ? 'true' : undefined } }),
  /**
   * Flips the schedule, or sets it when `enabled` is a boolean. Switching off may carry why
   * (`note`) and when it switches itself back on (`until`, ISO); empty ones are left out.
   */
  toggleSchedule: (scheduleId, enabled, { note = '', until = null } = {}) => {
    const body = typeof enabled === 'boolean' ? { enabled } : {}
    if (enabled === false && note?.trim()) body.note = note.trim()
    if (enabled === false && until) body.until = until
    return request('POST', `/schedules/${id(scheduleId)}/toggle`, { body })
  },
  /**
   * @param {string} scheduleId
   * @param {Record<string, unknown> | null} [parameters] values for this one run only, over the
   *   schedule's (only the keys that differ)
   */
  runScheduleNow: (scheduleId, parameters = null) =>
    request('POST', `/schedules/${id(scheduleId)}/run`, { body: parameters ? { parameters } : {} }),
  /** A disabled copy named "<name> (copy)" with the same fields and no history → the new schedule. */
  cloneSchedule: (scheduleId) => request('POST', `/schedules/${id(scheduleId)}/clone`, { body: {} }),
  /**
   * One action on many schedules: `{action, ids}` or `{action, filter}` (the list's filters, so
   * thousands need no id list), with `value` for set_group, add_tag and remove_tag.
   * → `{results: [{id, ok, error}]}`, one per schedule; a role too low for the action is a 403.
   */
  bulkSchedules: (body) => request('POST', '/schedules/bulk', { body }),
  getExecutionHistory: (scheduleId, params = {}) =>
    request('GET', `/schedules/${id(scheduleId)}/runs`, { query: params }),

  getSchedulerStatus: () => request('GET', '/schedules/status'),
  /** The scheduler-wide pause; `note` (why) is shown on the dashboard while it lasts. */
  pauseScheduler: (note = '') => request('POST', '/scheduler/pause', { body: note?.trim() ? { note: note.trim() } : {} }),
  resumeScheduler: () => request('POST', '/scheduler/resume', { body: {} }),

  getWorkflows: () => request('GET', '/workflows'),
  getTemplates: () => request('GET', '/templates'),
  /**
   * Description and next runs of an expression; with a schedule's `timeout_seconds`,
   * `schedule_id` (its run history) and `concurrency_policy`, its warnings too.
   */
  previewCron: ({ expression, timezone, count = 5, after, ...context } = {}, options = {}) =>
    request('GET', '/cron/preview', { query: { expression, timezone, count, after, ...context }, ...options }),
  /** Queued runs in the order they will start, why each waits, and the run slots. */
  getQueue: (options = {}) => request('GET', '/queue', options),

  /** All runs, newest first: `{status, trigger, schedule_id, page, page_size}` → `{items, total, page, page_size}`. */
  getRuns: (params = {}, options = {}) => request('GET', '/runs', { query: params, ...options }),
  getRun: (runId) => request('GET', `/runs/${id(runId)}`),
  getRunLog: (runId, offset = 0) => request('GET', `/runs/${id(runId)}/log`, { query: { offset } }),
  /** The whole raw log as a file (an attachment): a plain link, the browser downloads it. */
  runLogDownloadUrl: (runId) => `${API_BASE}/runs/${id(runId)}/log/download`,
  cancelRun: (runId) => request('POST', `/runs/${id(runId)}/cancel`, { body: {} }),

  exportSchedules: () => request('GET', '/schedules/export'),
  importSchedules: (document) => request('POST', '/schedules/import', { body: document }),
}

/** Login, logout and who am I. A 401 from these is answered here, not by a redirect. */
export const authApi = {
  me: () => request('GET', '/auth/me', { quiet: true }),
  login: (username, password) =>
    request('POST', '/auth/login', { body: { username, password }, quiet: true, retry: false }),
  logout: () => request('POST', '/auth/logout', { body: {}, quiet: true }),
}

/** The people who log in (admin only). */
export const userApi = {
  getUsers: () => request('GET', '/users'),
  createUser: ({ username, password, role }) => request('POST', '/users', { body: { username, password, role } }),
  /** `changes`: `{password?, role?}`; only what is given changes. */
  updateUser: (username, changes) => request('PUT', `/users/${id(username)}`, { body: changes }),
  deleteUser: (username) => request('DELETE', `/users/${id(username)}`),
}

/**
 * Notification channels and the outbox (admin only). A channel's `url` comes back redacted;
 * a change without `url` keeps the stored one.
 */
export const notificationApi = {
  getChannels: () => request('GET', '/notifications/channels'),
  /** `{name, url, default?, on?}` */
  createChannel: (fields) => request('POST', '/notifications/channels', { body: fields }),
  /** `changes`: `{name?, url?, default?, on?}`; only what is given changes. */
  updateChannel: (channelId, changes) => request('PUT', `/notifications/channels/${id(channelId)}`, { body: changes }),
  /** `detach`: delete even when schedules subscribe to it (they lose the subscription); else a 409 names them. */
  deleteChannel: (channelId, { detach = false } = {}) =>
    request('DELETE', `/notifications/channels/${id(channelId)}`, { query: { detach: detach ? 'true' : undefined } }),
  /** Sends a test message now: `{ok, error}`. */
  testChannel: (channelId) => request('POST', `/notifications/channels/${id(channelId)}/test`, { body: {} }),
  /** `{status, page, page_size}` → `{items, total, page, page_size}`, newest first. */
  getOutbox: (params = {}) => request('GET', '/notifications/outbox', { query: params }),
}

/** The audit log, newest first: `{page, page_size, actor, action, target_id}`. */
export const auditApi = {
  getAudit: (params = {}, options = {}) => request('GET', '/audit', { query: params, ...options }),
}

/**
 * The copies of the schedules the server keeps, and restoring one (admin only). A restore
 * is asked as a dry run unless `dryRun: false` says otherwise: seeing what it changes costs
 * nothing, applying it deletes the schedules the copy does not hold.
 */
export const backupApi = {
  /** Newest first: `{items: [{name, taken_at, schedules}]}`; `schedules` null for a copy that cannot be read. */
  getBackups: () => request('GET', '/backups'),
  /** `backup`: a name from the list, or "latest" → `{backup, applied, added, changed, removed, unchanged}`. */
  restoreBackup: (backup, { dryRun = true } = {}) =>
    request('POST', '/backups/restore', { body: { backup, dry_run: dryRun } }),
}

export const EVENTS_URL = `${API_BASE}/events`

/** A run's resource use over time (`RunResources` in services/types.ts). */
export const resourceApi = {
  /** `{run_id, status, interval_seconds, samples: [{at, cpu_percent, rss_bytes, processes}], cpu_percent_mean, cpu_percent_peak, memory_mean_bytes, peak_memory_bytes}`, oldest sample first. */
  getRunResources: (runId) => request('GET', `/runs/${id(runId)}/resources`),
}

// ---- Statistics and reports (`Statistics` in docs/api.md); the shapes are in services/types.ts.

/** @typedef {'24h' | '7d' | '30d' | '90d'} StatsWindow */
/** @typedef {{from?: string, to?: string, period?: 'day' | 'week' | 'month'}} ReportPeriod */

/** The report's query: `from` and `to` (whole UTC days, both included) win over `period`. */
function reportQuery({ from, to, period } = {}, format = undefined) {
  return from || to ? { from, to, format } : { period, format }
}

/** What runs came to over a window: one schedule's, everything's and each group's, and reports over whole days. */
export const statsApi = {
  /**
   * @param {string} scheduleId
   * @param {StatsWindow} [window]
   * @returns {Promise<import('./types').ScheduleStats>}
   */
  getScheduleStats: (scheduleId, window = '7d') => request('GET', `/schedules/${id(scheduleId)}/stats`, { query: { window } }),
  /**
   * @param {StatsWindow} [window]
   * @returns {Promise<import('./types').Stats>}
   */
  getStats: (window = '24h') => request('GET', '/stats', { query: { window } }),
  /**
   * @param {ReportPeriod} [period]
   * @returns {Promise<import('./types').Report>} a 422 (ApiError) says why a period cannot be answered
   */
  getReport: (period = {}) => request('GET', '/reports', { query: reportQuery(period, 'json') }),
  /**
   * The report as a file: a plain link, the browser downloads it (the session cookie goes along).
   * @param {ReportPeriod} period
   * @param {'csv' | 'json'} format
   * @returns {string}
   */
  reportDownloadUrl: (period, format) => `${API_BASE}/reports${buildQuery(reportQuery(period, format))}`,
  /**
   * A schedule's latest runs, newest first, for its duration chart (the server caps a page at 200).
   * @param {string} scheduleId
   * @returns {Promise<import('./types').RunList>}
   */
  getRecentRuns: (scheduleId, pageSize = 200) => request('GET', `/schedules/${id(scheduleId)}/runs`, { query: { page_size: pageSize } }),
}
