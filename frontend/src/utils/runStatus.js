/** How each run status looks: Naive UI tag type, label, and whether the run is over. */

export const RUN_STATUSES = ['queued', 'running', 'success', 'failed', 'timeout', 'cancelled', 'lost', 'skipped']

const TAG_TYPES = {
  queued: 'default',
  running: 'info',
  success: 'success',
  failed: 'error',
  timeout: 'error',
  lost: 'error',
  cancelled: 'warning',
  skipped: 'warning',
}

export const FAILED_STATUSES = new Set(['failed', 'timeout', 'lost'])
export const ACTIVE_STATUSES = new Set(['queued', 'running'])

export function statusTagType(status) {
  return TAG_TYPES[status] || 'default'
}

export function statusLabel(status) {
  if (!status) return 'Never run'
  return status.charAt(0).toUpperCase() + status.slice(1)
}

export function isActive(status) {
  return ACTIVE_STATUSES.has(status)
}

export const LOST_EXPLANATION =
  'tickwork stopped (a crash, a kill or a power cut) before this run ended; whether its work got done is unknown.'

// What a status means, for a tooltip, where the word alone does not say it.
const STATUS_HINTS = {
  lost: 'tickwork stopped before this run ended; its outcome is unknown',
  timeout: 'Stopped: it ran longer than the schedule allows',
  skipped: 'Not started: the previous run was still going (concurrency policy)',
  cancelled: 'Stopped by a user',
}

export function statusHint(status) {
  return STATUS_HINTS[status] || ''
}

export const TRIGGER_LABELS = {
  schedule: 'Scheduled',
  manual: 'Run now',
  retry: 'Retry',
  chain: 'Chained',
  catch_up: 'Catch-up',
}

const TRIGGER_HINTS = {
  schedule: 'Fired by its cron schedule',
  manual: 'Started by a user with “Run now”',
  retry: 'A new attempt after a failed run',
  chain: 'Started when another run finished',
  catch_up: 'One run for the fires missed while tickwork was down',
}

export function triggerLabel(trigger) {
  return TRIGGER_LABELS[trigger] || trigger || '—'
}

export function triggerHint(trigger) {
  return TRIGGER_HINTS[trigger] || ''
}
