/**
 * The API's shapes under the names the page uses, from the types generated out of the API's
 * own OpenAPI document (schema.d.ts: `make contract` regenerates it, `make lint` fails while it
 * differs from the API). Responses are the serialized (`-Output`) forms; requests the rest.
 */
import type { components } from './schema'

type Schemas = components['schemas']

export type Schedule = Schemas['ScheduleResponse-Output']
export type ScheduleList = Schemas['ScheduleListResponse-Output']
export type ScheduleCreate = Schemas['ScheduleCreateRequest']
export type ScheduleUpdate = Schemas['ScheduleUpdateRequest']
export type ScheduleWarning = Schemas['ScheduleWarning-Output']
export type Run = Schemas['RunResponse-Output']
export type RunList = Schemas['RunListResponse-Output']
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
