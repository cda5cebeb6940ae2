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

export const TRIGGER_LABELS = {
  schedule: 'Scheduled',
  manual: 'Run now',
  retry: 'Retry',
  chain: 'Chained',
  catch_up: 'Catch-up',
}
