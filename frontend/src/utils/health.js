/**
 * A schedule's health as the page shows it: words first (never colour alone), the tag's
 * type, and the order the dashboard lists unhealthy schedules in (most urgent first).
 */

export const HEALTH_ORDER = ['stuck', 'failing', 'missed', 'late', 'ok']

const LABELS = {
  stuck: 'Stuck',
  failing: 'Failing',
  missed: 'Missed a run',
  late: 'Late',
  ok: 'Healthy',
}

const TAG_TYPES = { stuck: 'error', failing: 'error', missed: 'warning', late: 'warning', ok: 'success' }

/** What each state means, for the tooltip beside the reason. */
const HINTS = {
  stuck: 'A run has been going far longer than this schedule usually takes.',
  failing: 'Its last runs failed one after the other.',
  missed: 'A fire it should have had did not run.',
  late: 'Its last run started long after the time it was due.',
}

export function healthState(health) {
  return health?.state || 'ok'
}

export function isUnhealthy(health) {
  return healthState(health) !== 'ok'
}

export function healthLabel(health) {
  return LABELS[healthState(health)] || healthState(health)
}

export function healthTagType(health) {
  return TAG_TYPES[healthState(health)] || 'default'
}

export function healthHint(health) {
  return HINTS[healthState(health)] || ''
}

export function healthRank(health) {
  const rank = HEALTH_ORDER.indexOf(healthState(health))
  return rank < 0 ? HEALTH_ORDER.length : rank
}

/** Schedules with the unhealthy ones first, most urgent first; the others keep their order. */
export function unhealthyFirst(schedules) {
  return schedules
    .map((schedule, index) => ({ schedule, index }))
    .sort((a, b) => healthRank(a.schedule.health) - healthRank(b.schedule.health) || a.index - b.index)
    .map(({ schedule }) => schedule)
}
