/**
 * The API's shapes under the names the page uses, from the types generated out of the API's
 * own OpenAPI document (schema.d.ts: `make contract` regenerates it, `make lint` fails while it
 * differs from the API). Responses are the serialized (`-Output`) forms; requests the rest.
 *
 * `ApiAnswer`, `ApiQuery` and `ApiBody` read one route's answer, query and body straight out
 * of `paths`, so services/api states each call by its route and method and nothing else: a
 * route that changes or goes away on the server fails the page's build.
 */
import type { components, paths } from './schema'

type Schemas = components['schemas']

/** A route below `/api/v1`, as the server's document names it (`/schedules/{schedule_id}`). */
export type ApiRoute = keyof paths extends infer P ? (P extends `/api/v1${infer R}` ? R : never) : never
export type ApiMethod = 'get' | 'post' | 'put' | 'delete' | 'patch'

type Operation<R extends ApiRoute, M extends ApiMethod> = NonNullable<paths[`/api/v1${R}`][M]>
type Json<C> = C extends { content: { 'application/json': infer T } } ? T : never
type Success<S> = S extends { 200: infer A }
  ? Json<A>
  : S extends { 201: infer A }
    ? Json<A>
    : S extends { 202: infer A }
      ? Json<A>
      : S extends { 204: unknown }
        ? null
        : never

/** What a route answers on success: its 200, 201 or 202 body, or null for a 204. */
export type ApiAnswer<R extends ApiRoute, M extends ApiMethod> =
  Operation<R, M> extends { responses: infer S } ? Success<S> : never
/** The query string a route takes; every key may also be left unset (null or ''). */
export type ApiQuery<R extends ApiRoute, M extends ApiMethod> = Loose<
  NonNullable<Operation<R, M> extends { parameters: { query?: infer Q } } ? Q : never>
>
/** The JSON body a route takes. */
export type ApiBody<R extends ApiRoute, M extends ApiMethod> =
  Operation<R, M> extends { requestBody?: infer B } ? Json<NonNullable<B>> : never

// The page keeps unset filters as null or '' (a cleared select, an empty search box); the
// query builder leaves those out, so the query types take them as well as the real values.
type Loose<Q> = { [K in keyof Q]?: Q[K] | null | '' }

export type Schedule = Schemas['ScheduleResponse-Output']
export type ScheduleList = Schemas['ScheduleListResponse-Output']
export type ScheduleCreate = Schemas['ScheduleCreateRequest']
export type ScheduleUpdate = Schemas['ScheduleUpdateRequest']
export type ScheduleWarning = Schemas['ScheduleWarning-Output']
export type Run = Schemas['RunResponse-Output']
export type RunList = Schemas['RunListResponse-Output']
export type RunHistory = Schemas['ExecutionHistoryResponse-Output']
export type Queue = Schemas['QueueResponse-Output']
export type QueueItem = Schemas['QueueItem-Output']
export type SchedulerStatus = Schemas['StatusResponse-Output']
export type CronPreview = Schemas['CronPreviewResponse-Output']
export type Workflow = Schemas['WorkflowResponse']
export type Template = Schemas['TemplateResponse']
export type LogSlice = Schemas['LogResponse']
export type ApiErrorBody = Schemas['ErrorResponse']
export type ValidationErrorBody = Schemas['ValidationErrorResponse']
export type RunResources = Schemas['RunResourcesResponse-Output']
export type ResourceSample = Schemas['ResourceSample-Output']
export type FieldError = Schemas['FieldErrorModel']
export type BulkRequest = Schemas['BulkRequest']
export type BulkResponse = Schemas['BulkResponse']
export type BulkResult = Schemas['BulkResult']
export type PortableDocument = Schemas['PortableDocument']
export type ImportRequest = Schemas['ImportRequest']
export type ImportResult = Schemas['ImportResponse']
export type Me = Schemas['MeResponse']
export type User = Schemas['UserResponse-Output']
export type UserCreate = Schemas['UserCreateRequest']
export type UserUpdate = Schemas['UserUpdateRequest']
export type Role = User['role']
export type ChannelResponse = Schemas['ChannelResponse-Output']
export type ChannelCreate = Schemas['ChannelCreateRequest']
export type ChannelUpdate = Schemas['ChannelUpdateRequest']
export type ChannelTest = Schemas['ChannelTestResponse']
export type OutboxList = Schemas['OutboxListResponse-Output']
export type AuditEntry = Schemas['AuditEntry-Output']
export type AuditList = Schemas['AuditListResponse-Output']
export type Backup = Schemas['BackupItem']
export type BackupList = Schemas['BackupListResponse']
export type RestorePlan = Schemas['RestoreResponse']
export type RunStatus = Run['status']
export type RunTrigger = Run['trigger']
export type RunQuery = ApiQuery<'/runs', 'get'>
export type OutboxStatus = NonNullable<ApiQuery<'/notifications/outbox', 'get'>['status']>
export type StatusCounts = Schemas['StatusCounts']
export type StatsPoint = Schemas['StatsPoint-Output']
export type ScheduleStats = Schemas['ScheduleStatsResponse-Output']
export type Stats = Schemas['StatsResponse-Output']
export type RunStats = Schemas['RunStats-Output']
export type GroupStats = Schemas['GroupStats-Output']
export type Report = Schemas['ReportResponse-Output']
export type ReportFigures = Schemas['ReportFigures-Output']
export type ReportChange = Schemas['ReportChange']
export type ReportGroupLine = Schemas['ReportGroupLine-Output']
export type ReportScheduleLine = Schemas['ReportScheduleLine-Output']
export type ReportRun = Schemas['ReportRun-Output']
