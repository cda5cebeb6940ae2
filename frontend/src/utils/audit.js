/** How audit entries read: action names in words, their targets, and their details summarised. */

export const AUDIT_ACTIONS = [
  { value: 'schedule.create', label: 'Created schedule' },
  { value: 'schedule.update', label: 'Changed schedule' },
  { value: 'schedule.toggle', label: 'Switched schedule' },
  { value: 'schedule.run', label: 'Ran now' },
  { value: 'schedule.delete', label: 'Deleted schedule' },
  { value: 'schedule.import', label: 'Imported schedules' },
  { value: 'schedule.restore', label: 'Restored schedules' },
  { value: 'run.cancel', label: 'Cancelled run' },
  { value: 'scheduler.pause', label: 'Paused scheduler' },
  { value: 'scheduler.resume', label: 'Resumed scheduler' },
  { value: 'user.create', label: 'Added user' },
  { value: 'user.update', label: 'Changed user' },
  { value: 'user.delete', label: 'Removed user' },
  { value: 'auth.login', label: 'Logged in' },
  { value: 'auth.login_failed', label: 'Failed login' },
  { value: 'auth.logout', label: 'Logged out' },
]

const LABELS = Object.fromEntries(AUDIT_ACTIONS.map((a) => [a.value, a.label]))

// Callers that are not users (see the server's security docs).
export const SYSTEM_ACTORS = {
  anonymous: 'Nobody logged in (open mode, or a failed login)',
  'api-token': 'A script using the API token',
  cli: 'The tickwork command line on the server',
}

export function actionLabel(action) {
  return LABELS[action] || action
}

/** Naive UI tag type: removals red, failed logins amber, creations green. */
export function actionTagType(action) {
  if (action === 'auth.login_failed') return 'warning'
  const verb = action.slice(action.indexOf('.') + 1)
  if (verb === 'delete' || verb === 'cancel') return 'error'
  if (verb === 'create' || verb === 'import') return 'success'
  if (action.startsWith('auth.')) return 'default'
  return 'info'
}

const FIELD_NAMES = {
  cron_schedule: 'cron',
  timezone: 'time zone',
  workflow_type: 'workflow',
  timeout_seconds: 'timeout',
  concurrency_policy: 'overlap policy',
  catch_up: 'catch-up',
}

function fieldList(fields) {
  return fields.map((f) => FIELD_NAMES[f] || f).join(', ')
}

/**
 * What the entry is about: `{type, id, label, runId}`. Schedules and runs can be linked
 * to (when they still exist); users and the scheduler are named only.
 */
export function auditTarget(entry) {
  const { target_type: type, target_id: id, detail = {} } = entry
  switch (type) {
    case 'schedule':
      if (!id) return { type: 'none', label: 'Schedules' }
      return { type, id, label: detail.name || id, runId: detail.run_id ?? null }
    case 'run':
      return { type, id, label: `Run #${id}`, scheduleId: detail.schedule_id || null }
    case 'user':
      return { type, id, label: id }
    case 'scheduler':
      return { type, label: 'Scheduler' }
    default:
      return { type: type || 'none', id, label: id || type || '—' }
  }
}

function otherDetails(detail, skip) {
  return Object.entries(detail)
    .filter(([key]) => !skip.includes(key))
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(', ') : typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(' · ')
}

/** One line on what happened, from the entry's `detail`; never more than the server recorded. */
export function summarizeDetail(entry) {
  const detail = entry.detail || {}
  switch (entry.action) {
    case 'schedule.create':
    case 'schedule.delete':
      return otherDetails(detail, ['name'])
    case 'schedule.update':
      if (!Array.isArray(detail.fields)) return otherDetails(detail, ['name'])
      return detail.fields.length ? `Changed ${fieldList(detail.fields)}` : 'Saved without changes'
    case 'schedule.toggle':
      return detail.enabled ? 'Enabled' : 'Disabled'
    case 'schedule.run':
      if (detail.status === 'skipped') return 'Skipped: the previous run was still going'
      return detail.status ? `Run ${detail.status}` : ''
    case 'schedule.import':
      return `${detail.created ?? 0} created, ${detail.updated ?? 0} updated`
    case 'schedule.restore':
      // `updated` counts every schedule the copy and the store share, changed or not: "kept".
      return `From ${detail.backup ?? 'a backup'}: ${detail.created ?? 0} created, ${detail.updated ?? 0} kept, ${detail.removed ?? 0} removed`
    case 'run.cancel':
      return ''
    case 'user.create':
      return detail.role ? `Role ${detail.role}` : ''
    case 'user.update': {
      const parts = []
      if (detail.fields?.includes('role')) parts.push(detail.role ? `Role set to ${detail.role}` : 'Role changed')
      if (detail.fields?.includes('password')) parts.push('Password changed')
      return parts.join(' · ')
    }
    case 'auth.login':
    case 'auth.login_failed':
    case 'auth.logout':
      return detail.address ? `From ${detail.address}` : ''
    default:
      return otherDetails(detail, [])
  }
}

/** The viewer's own time zone, which the audit log is shown in. */
export function viewerTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}
