/**
 * The one door to the tickwork HTTP API (`/api/v1`).
 *
 * Every request goes through `request()`, which sends JSON with same-origin
 * credentials and turns any non-2xx answer into an `ApiError` that carries the
 * HTTP status, the server's error code and, for a 422, the per-field errors.
 *
 * Each call below is typed from the API's own OpenAPI document (schema.d.ts, through the
 * route helpers of ./types): its arguments are what the route takes, its answer what the
 * route answers, so a change on the server that the page has not followed fails the build.
 *
 * Sessions: the cookie is HttpOnly, so the page never sees it; what the page keeps
 * (in memory only) is the session's CSRF token from login or `/auth/me`, sent as
 * `X-CSRF-Token` with every request that changes something. A 401 calls the
 * handler given to `configureAuth` (the page sends the user to the login screen).
 */

import { setServerClockOffset } from '@/composables/useNow'
import { reportReachable } from '@/composables/useServerReachability'
import type { ApiAnswer, ApiBody, ApiQuery, FieldError, Me } from './types'

export const API_BASE = '/api/v1'
export const CSRF_HEADER = 'X-CSRF-Token'
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const GATEWAY_DOWN = new Set([502, 503, 504])

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
type QueryItem = string | number | boolean | null | undefined
export type QueryParams = Record<string, QueryItem | readonly QueryItem[]>

/** What every call that reads a list takes besides its filters: a signal to abort it. */
export interface CallOptions {
  signal?: AbortSignal
}

export interface RequestOptions extends CallOptions {
  query?: QueryParams
  body?: unknown
  /** A 401 is the caller's business (login, the first `/auth/me`): no redirect, and the server's own message. */
  quiet?: boolean
  /** false: no second try after a 403. */
  retry?: boolean
}

/** An error answer as the page reads it: any of tickwork's error shapes, or a proxy's text. */
interface ErrorBody {
  error?: string
  message?: string
  errors?: FieldError[]
}

interface AuthHandlers {
  /** A request was answered 401 (not the login itself). */
  onUnauthorized?: ((error: ApiError) => void) | null
  /** A fresh `/auth/me` was read after a 403 (the role may have changed). */
  onSession?: ((me: Me) => void) | null
}

let csrfToken: string | null = null
const hooks: { unauthorized: AuthHandlers['onUnauthorized']; session: AuthHandlers['onSession'] } = {
  unauthorized: null,
  session: null,
}

/** The CSRF token of the current session; null in open mode or when logged out. */
export function setCsrfToken(token: string | null | undefined) {
  csrfToken = token || null
}

export function getCsrfToken(): string | null {
  return csrfToken
}

export function configureAuth({ onUnauthorized = null, onSession = null }: AuthHandlers = {}) {
  hooks.unauthorized = onUnauthorized
  hooks.session = onSession
}

export class ApiError extends Error {
  /** HTTP status, 0 when the server could not be reached. */
  readonly status: number
  readonly code: string
  readonly errors: FieldError[]
  /** An import's parsed file, kept on its refusal so the page can name each schedule in it. */
  document?: unknown

  constructor(status: number, body: ErrorBody = {}) {
    super(body.message || defaultMessage(status))
    this.name = 'ApiError'
    this.status = status
    this.code = body.error || (status === 0 ? 'network_error' : 'http_error')
    this.errors = Array.isArray(body.errors) ? body.errors : []
  }

  get isValidation(): boolean {
    return this.status === 422
  }

  get isForbidden(): boolean {
    return this.status === 403
  }

  /** The 422 errors as `{field: message}`; several messages for one field are joined. */
  fieldErrors(): Record<string, string> {
    const byField: Record<string, string> = {}
    for (const { field, message } of this.errors) {
      const key = field || ''
      byField[key] = byField[key] ? `${byField[key]}; ${message}` : message
    }
    return byField
  }
}

function defaultMessage(status: number): string {
  if (status === 0) return 'The tickwork server cannot be reached.'
  if (status === 401) return 'Your session has ended: log in again.'
  if (status === 403) return 'Not allowed.'
  return `The server answered ${status}.`
}

// What the page says for 401 and 403: the server's words are written for API clients
// ("send the API token ..."), or need a lead-in to read as a refusal.
function pageError(status: number, body: ErrorBody): ApiError {
  if (status === 401) return new ApiError(401, { ...body, message: defaultMessage(401) })
  if (status === 403 && body.message) {
    const reason = body.message.replace(/\.$/, '')
    return new ApiError(403, { ...body, message: `Not allowed: ${reason}.` })
  }
  return new ApiError(status, body)
}

/** A query string; a list is sent as the key repeated (`?tag=a&tag=b`), an empty one not at all. */
export function buildQuery(params: QueryParams = {}): string {
  const search = new URLSearchParams()
  const unset = (value: QueryItem) => value === undefined || value === null || value === ''
  for (const [key, value] of Object.entries(params)) {
    // Unset filters are left out rather than sent as empty strings.
    const items: readonly QueryItem[] = Array.isArray(value) ? value : [value as QueryItem]
    for (const item of items) {
      if (!unset(item)) search.append(key, String(item))
    }
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

/** The server's clock against ours, from the answer's Date header (whole seconds). */
function measureClock(response: Response, sentAt: number) {
  const header = response.headers?.get?.('Date')
  const serverTime = header ? Date.parse(header) : NaN
  if (Number.isNaN(serverTime)) return
  // The header is truncated to the second: +500 ms is its expected middle.
  setServerClockOffset(serverTime + 500 - (sentAt + Date.now()) / 2)
}

async function readBody(response: Response): Promise<unknown> {
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
function isOwnError(data: unknown): boolean {
  const body = data as ErrorBody | null
  return typeof body?.error === 'string' && typeof body?.message === 'string'
}

interface Sent {
  response: Response
  data: unknown
  token: string | null
}

async function send(method: HttpMethod, path: string, { query, body, signal }: RequestOptions = {}): Promise<Sent> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  const init: RequestInit = { method, credentials: 'same-origin', headers, signal }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  const token = UNSAFE_METHODS.has(method) ? csrfToken : null
  if (token) headers[CSRF_HEADER] = token
  let response: Response
  const sentAt = Date.now()
  try {
    response = await fetch(`${API_BASE}${path}${buildQuery(query)}`, init)
  } catch (error) {
    if ((error as Error | null)?.name === 'AbortError') throw error
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
async function freshTokenAfterForbidden(sent: string | null): Promise<string | null> {
  let me: Me
  try {
    me = await request<Me>('GET', '/auth/me', { quiet: true })
  } catch (error) {
    if ((error as ApiError).status === 401) hooks.unauthorized?.(pageError(401, {}))
    return null
  }
  setCsrfToken(me.csrf_token)
  hooks.session?.(me)
  return me.csrf_token && me.csrf_token !== sent ? me.csrf_token : null
}

/**
 * One request to `path` below `/api/v1`; resolves to the answer's JSON (null for a 204).
 * `T` is what the caller knows the route answers: the calls below take it from the contract.
 */
export async function request<T = unknown>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
  const first = await send(method, path, options)
  let { response, data } = first
  if (response.status === 403 && UNSAFE_METHODS.has(method) && options.retry !== false) {
    if (await freshTokenAfterForbidden(first.token)) ({ response, data } = await send(method, path, options))
  }
  if (response.ok) return data as T
  const body = (data || {}) as ErrorBody
  if (response.status === 401 && options.quiet) throw new ApiError(401, body)
  const error = pageError(response.status, body)
  if (error.status === 401) hooks.unauthorized?.(error)
  throw error
}

/** A path parameter: ids from the router are strings, run ids from answers numbers. */
type PathParam = string | number
const id = (value: PathParam) => encodeURIComponent(value)

type ToggleBody = ApiBody<'/schedules/{schedule_id}/toggle', 'post'>
type RunNowBody = ApiBody<'/schedules/{schedule_id}/run', 'post'>
type CronQuery = ApiQuery<'/cron/preview', 'get'> & { expression: string }

export const scheduleApi = {
  /**
   * One page: `{q, enabled, workflow_type, last_status, group, tag: [..], sort, page, page_size}`
   * → `{items, total, page, page_size}`; several tags mean all of them.
   */
  getSchedules: (params: ApiQuery<'/schedules', 'get'> = {}, options: CallOptions = {}) =>
    request<ApiAnswer<'/schedules', 'get'>>('GET', '/schedules', { query: params, ...options }),
  getSchedule: (scheduleId: PathParam, options: CallOptions = {}) =>
    request<ApiAnswer<'/schedules/{schedule_id}', 'get'>>('GET', `/schedules/${id(scheduleId)}`, options),
  createSchedule: (data: ApiBody<'/schedules', 'post'>) =>
    request<ApiAnswer<'/schedules', 'post'>>('POST', '/schedules', { body: data }),
  updateSchedule: (scheduleId: PathParam, data: ApiBody<'/schedules/{schedule_id}', 'put'>) =>
    request<ApiAnswer<'/schedules/{schedule_id}', 'put'>>('PUT', `/schedules/${id(scheduleId)}`, { body: data }),
  /** `detach`: delete even when other schedules run after it (they lose the link); else a 409 names them. */
  deleteSchedule: (scheduleId: PathParam, { detach = false }: { detach?: boolean } = {}) =>
    request<ApiAnswer<'/schedules/{schedule_id}', 'delete'>>('DELETE', `/schedules/${id(scheduleId)}`, {
      query: { detach: detach ? 'true' : undefined },
    }),
  /**
   * Flips the schedule, or sets it when `enabled` is a boolean. Switching off may carry why
   * (`note`) and when it switches itself back on (`until`, ISO); empty ones are left out.
   */
  toggleSchedule: (
    scheduleId: PathParam,
    enabled?: boolean | null,
    { note = '', until = null }: { note?: string | null; until?: string | null } = {},
  ) => {
    const body: ToggleBody = typeof enabled === 'boolean' ? { enabled } : {}
    if (enabled === false && note?.trim()) body.note = note.trim()
    if (enabled === false && until) body.until = until
    return request<ApiAnswer<'/schedules/{schedule_id}/toggle', 'post'>>('POST', `/schedules/${id(scheduleId)}/toggle`, { body })
  },
  /**
   * `parameters`: values for this one run only, over the schedule's (only the keys that differ).
   */
  runScheduleNow: (scheduleId: PathParam, parameters: RunNowBody['parameters'] = null) =>
    request<ApiAnswer<'/schedules/{schedule_id}/run', 'post'>>('POST', `/schedules/${id(scheduleId)}/run`, {
      body: (parameters ? { parameters } : {}) satisfies RunNowBody,
    }),
  /** A disabled copy named "<name> (copy)" with the same fields and no history → the new schedule. */
  cloneSchedule: (scheduleId: PathParam) =>
    request<ApiAnswer<'/schedules/{schedule_id}/clone', 'post'>>('POST', `/schedules/${id(scheduleId)}/clone`, { body: {} }),
  /**
   * One action on many schedules: `{action, ids}` or `{action, filter}` (the list's filters, so
   * thousands need no id list), with `value` for set_group, add_tag and remove_tag.
   * → `{results: [{id, ok, error}]}`, one per schedule; a role too low for the action is a 403.
   */
  bulkSchedules: (body: ApiBody<'/schedules/bulk', 'post'>) =>
    request<ApiAnswer<'/schedules/bulk', 'post'>>('POST', '/schedules/bulk', { body }),
  getExecutionHistory: (
    scheduleId: PathParam,
    params: ApiQuery<'/schedules/{schedule_id}/runs', 'get'> = {},
    options: CallOptions = {},
  ) =>
    request<ApiAnswer<'/schedules/{schedule_id}/runs', 'get'>>('GET', `/schedules/${id(scheduleId)}/runs`, {
      query: params,
      ...options,
    }),

  getSchedulerStatus: (options: CallOptions = {}) =>
    request<ApiAnswer<'/schedules/status', 'get'>>('GET', '/schedules/status', options),
  /** The scheduler-wide pause; `note` (why) is shown on the dashboard while it lasts. */
  pauseScheduler: (note: string | null = '') =>
    request<ApiAnswer<'/scheduler/pause', 'post'>>('POST', '/scheduler/pause', {
      body: (note?.trim() ? { note: note.trim() } : {}) satisfies ApiBody<'/scheduler/pause', 'post'>,
    }),
  resumeScheduler: () => request<ApiAnswer<'/scheduler/resume', 'post'>>('POST', '/scheduler/resume', { body: {} }),

  getWorkflows: (options: CallOptions = {}) => request<ApiAnswer<'/workflows', 'get'>>('GET', '/workflows', options),
  getTemplates: (options: CallOptions = {}) => request<ApiAnswer<'/templates', 'get'>>('GET', '/templates', options),
  /**
   * Description and next runs of an expression; with a schedule's `timeout_seconds`,
   * `schedule_id` (its run history) and `concurrency_policy`, its warnings too.
   */
  previewCron: ({ expression, timezone, count = 5, after, ...context }: CronQuery, options: CallOptions = {}) =>
    request<ApiAnswer<'/cron/preview', 'get'>>('GET', '/cron/preview', {
      query: { expression, timezone, count, after, ...context },
      ...options,
    }),
  /** Queued runs in the order they will start, why each waits, and the run slots. */
  getQueue: (options: CallOptions = {}) => request<ApiAnswer<'/queue', 'get'>>('GET', '/queue', options),

  /** All runs, newest first: `{status, trigger, schedule_id, page, page_size}` → `{items, total, page, page_size}`. */
  getRuns: (params: ApiQuery<'/runs', 'get'> = {}, options: CallOptions = {}) =>
    request<ApiAnswer<'/runs', 'get'>>('GET', '/runs', { query: params, ...options }),
  getRun: (runId: PathParam, options: CallOptions = {}) =>
    request<ApiAnswer<'/runs/{run_id}', 'get'>>('GET', `/runs/${id(runId)}`, options),
  getRunLog: (runId: PathParam, offset = 0, options: CallOptions = {}) =>
    request<ApiAnswer<'/runs/{run_id}/log', 'get'>>('GET', `/runs/${id(runId)}/log`, {
      query: { offset } satisfies ApiQuery<'/runs/{run_id}/log', 'get'>,
      ...options,
    }),
  /** The whole raw log as a file (an attachment): a plain link, the browser downloads it. */
  runLogDownloadUrl: (runId: PathParam) => `${API_BASE}/runs/${id(runId)}/log/download`,
  cancelRun: (runId: PathParam) =>
    request<ApiAnswer<'/runs/{run_id}/cancel', 'post'>>('POST', `/runs/${id(runId)}/cancel`, { body: {} }),

  exportSchedules: () => request<ApiAnswer<'/schedules/export', 'get'>>('GET', '/schedules/export'),
  importSchedules: (document: ApiBody<'/schedules/import', 'post'>) =>
    request<ApiAnswer<'/schedules/import', 'post'>>('POST', '/schedules/import', { body: document }),
}

/** Login, logout and who am I. A 401 from these is answered here, not by a redirect. */
export const authApi = {
  me: () => request<ApiAnswer<'/auth/me', 'get'>>('GET', '/auth/me', { quiet: true }),
  login: (username: string, password: string) =>
    request<ApiAnswer<'/auth/login', 'post'>>('POST', '/auth/login', {
      body: { username, password } satisfies ApiBody<'/auth/login', 'post'>,
      quiet: true,
      retry: false,
    }),
  logout: () => request<ApiAnswer<'/auth/logout', 'post'>>('POST', '/auth/logout', { body: {}, quiet: true }),
}

/** The people who log in (admin only). */
export const userApi = {
  getUsers: (options: CallOptions = {}) => request<ApiAnswer<'/users', 'get'>>('GET', '/users', options),
  createUser: ({ username, password, role }: ApiBody<'/users', 'post'>) =>
    request<ApiAnswer<'/users', 'post'>>('POST', '/users', { body: { username, password, role } }),
  /** `changes`: `{password?, role?}`; only what is given changes. */
  updateUser: (username: string, changes: ApiBody<'/users/{username}', 'put'>) =>
    request<ApiAnswer<'/users/{username}', 'put'>>('PUT', `/users/${id(username)}`, { body: changes }),
  deleteUser: (username: string) => request<ApiAnswer<'/users/{username}', 'delete'>>('DELETE', `/users/${id(username)}`),
}

/**
 * Notification channels and the outbox (admin only). A channel's `url` comes back redacted;
 * a change without `url` keeps the stored one.
 */
export const notificationApi = {
  getChannels: (options: CallOptions = {}) =>
    request<ApiAnswer<'/notifications/channels', 'get'>>('GET', '/notifications/channels', options),
  /** `{name, url, default?, on?}` */
  createChannel: (fields: ApiBody<'/notifications/channels', 'post'>) =>
    request<ApiAnswer<'/notifications/channels', 'post'>>('POST', '/notifications/channels', { body: fields }),
  /** `changes`: `{name?, url?, default?, on?}`; only what is given changes. */
  updateChannel: (channelId: string, changes: ApiBody<'/notifications/channels/{channel_id}', 'put'>) =>
    request<ApiAnswer<'/notifications/channels/{channel_id}', 'put'>>('PUT', `/notifications/channels/${id(channelId)}`, {
      body: changes,
    }),
  /** `detach`: delete even when schedules subscribe to it (they lose the subscription); else a 409 names them. */
  deleteChannel: (channelId: string, { detach = false }: { detach?: boolean } = {}) =>
    request<ApiAnswer<'/notifications/channels/{channel_id}', 'delete'>>('DELETE', `/notifications/channels/${id(channelId)}`, {
      query: { detach: detach ? 'true' : undefined },
    }),
  /** Sends a test message now: `{ok, error}`. */
  testChannel: (channelId: string) =>
    request<ApiAnswer<'/notifications/channels/{channel_id}/test', 'post'>>(
      'POST',
      `/notifications/channels/${id(channelId)}/test`,
      { body: {} },
    ),
  /** `{status, page, page_size}` → `{items, total, page, page_size}`, newest first. */
  getOutbox: (params: ApiQuery<'/notifications/outbox', 'get'> = {}, options: CallOptions = {}) =>
    request<ApiAnswer<'/notifications/outbox', 'get'>>('GET', '/notifications/outbox', { query: params, ...options }),
}

/** The audit log, newest first: `{page, page_size, actor, action, target_id}`. */
export const auditApi = {
  getAudit: (params: ApiQuery<'/audit', 'get'> = {}, options: CallOptions = {}) =>
    request<ApiAnswer<'/audit', 'get'>>('GET', '/audit', { query: params, ...options }),
}

/**
 * The copies of the schedules the server keeps, and restoring one (admin only). A restore
 * is asked as a dry run unless `dryRun: false` says otherwise: seeing what it changes costs
 * nothing, applying it deletes the schedules the copy does not hold.
 */
export const backupApi = {
  /** Newest first: `{items: [{name, taken_at, schedules}]}`; `schedules` null for a copy that cannot be read. */
  getBackups: (options: CallOptions = {}) => request<ApiAnswer<'/backups', 'get'>>('GET', '/backups', options),
  /** `backup`: a name from the list, or "latest" → `{backup, applied, added, changed, removed, unchanged}`. */
  restoreBackup: (backup: string, { dryRun = true }: { dryRun?: boolean } = {}) =>
    request<ApiAnswer<'/backups/restore', 'post'>>('POST', '/backups/restore', {
      body: { backup, dry_run: dryRun } satisfies ApiBody<'/backups/restore', 'post'>,
    }),
}

export const EVENTS_URL = `${API_BASE}/events`

/** A run's resource use over time, oldest sample first (`RunResources` in services/types.ts). */
export const resourceApi = {
  getRunResources: (runId: PathParam, options: CallOptions = {}) =>
    request<ApiAnswer<'/runs/{run_id}/resources', 'get'>>(
      'GET',
      `/runs/${id(runId)}/resources`,
      options,
    ),
}

export type StatsWindow = NonNullable<ApiQuery<'/stats', 'get'>['window']>
/** A report's days: `from`..`to` (YYYY-MM-DD, both included), or a period ending today. */
export interface ReportPeriod {
  from?: string
  to?: string
  period?: 'day' | 'week' | 'month'
}

function reportQuery({ from, to, period }: ReportPeriod = {}, format: 'csv' | 'json' = 'json') {
  return from || to ? { from, to, format } : { period, format }
}

/** Statistics, reports, and a schedule's latest runs for its duration chart. */
export const statsApi = {
  getScheduleStats: (scheduleId: PathParam, window: StatsWindow = '7d', options: CallOptions = {}) =>
    request<ApiAnswer<'/schedules/{schedule_id}/stats', 'get'>>(
      'GET',
      `/schedules/${id(scheduleId)}/stats`,
      { query: { window }, ...options },
    ),
  getStats: (window: StatsWindow = '24h', options: CallOptions = {}) =>
    request<ApiAnswer<'/stats', 'get'>>('GET', '/stats', { query: { window }, ...options }),
  /** A 422 (ApiError) says why a period cannot be answered. */
  getReport: (period: ReportPeriod = {}, options: CallOptions = {}) =>
    request<ApiAnswer<'/reports', 'get'>>('GET', '/reports', {
      query: reportQuery(period, 'json'),
      ...options,
    }),
  /** The report as a file: a plain link, the browser downloads it (the session cookie goes along). */
  reportDownloadUrl: (period: ReportPeriod, format: 'csv' | 'json') =>
    `${API_BASE}/reports${buildQuery(reportQuery(period, format))}`,
  /** A schedule's latest runs, newest first (the server caps a page at 200). */
  getRecentRuns: (scheduleId: PathParam, pageSize = 200, options: CallOptions = {}) =>
    request<ApiAnswer<'/schedules/{schedule_id}/runs', 'get'>>(
      'GET',
      `/schedules/${id(scheduleId)}/runs`,
      { query: { page_size: pageSize }, ...options },
    ),
}
