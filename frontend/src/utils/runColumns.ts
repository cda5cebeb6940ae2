/** The columns of a table of runs (one schedule's history, or all runs), shared by both. */
import { h } from 'vue'
import { RouterLink } from 'vue-router'
import type { DataTableColumns } from 'naive-ui'
import RunStatusTag from '@/components/RunStatusTag.vue'
import RunTriggerLabel from '@/components/RunTriggerLabel.vue'
import { formatDuration, formatShortDateTime, formatTime } from './format'
import { attemptText } from './runControl'

export interface RunRow {
  id: number
  schedule_id: string
  schedule_name?: string | null
  timezone?: string | null
  status: string
  trigger: string
  started_at: string | null
  queued_at: string
  scheduled_for: string
  duration_seconds: number | null
  exit_code: number | null
  cpu_seconds: number | null
  peak_memory_bytes: number | null
  attempt?: number | null
  parent_run_id?: number | null
  not_before?: string | null
  /** Set by the history's grouping: a later attempt, shown under the one it retries. */
  follows?: boolean
  group?: number
}

const MIB = 1024 * 1024

/** "12.3 MiB" (memory is compared across runs: one unit, always). */
export function formatMiB(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—'
  const value = bytes / MIB
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} MiB`
}

/** Under the trigger: "attempt 2 of 3", and for a retry still queued, until when it waits. */
function triggerCell(run: RunRow, zone: string, maxRetries: number | null) {
  const attempt = attemptText(run.attempt, maxRetries)
  const waiting = run.status === 'queued' && run.not_before ? `waits until ${formatTime(run.not_before, zone)}` : ''
  const notes = [attempt, waiting].filter(Boolean).join(' · ')
  return h('div', { class: 'run-trigger-cell' }, [
    h(RunTriggerLabel, { trigger: run.trigger }),
    notes ? h('div', { class: 'run-trigger-cell__attempt', 'data-test': 'run-attempt' }, notes) : null,
  ])
}

export function runColumns({
  timezone,
  withSchedule = false,
  maxRetries = null,
}: {
  timezone?: string
  withSchedule?: boolean
  /** The schedule's `max_retries`, to count attempts against ("attempt 2 of 3"). */
  maxRetries?: number | null
}): DataTableColumns<RunRow> {
  const zoneOf = (run: RunRow) => timezone || run.timezone || 'UTC'
  return [
    {
      title: 'Run',
      key: 'id',
      width: 70,
      // A real link too, for opening in a new tab; the row's own click is not repeated.
      render: (run) =>
        h(
          RouterLink,
          { to: `/runs/${run.id}`, 'data-test': 'history-run-link', onClick: (event: Event) => event.stopPropagation() },
          () => `#${run.id}`,
        ),
    },
    ...(withSchedule
      ? [
          {
            title: 'Schedule',
            key: 'schedule_name',
            minWidth: 160,
            ellipsis: { tooltip: true },
            render: (run: RunRow) => run.schedule_name || run.schedule_id,
          },
        ]
      : []),
    { title: 'Status', key: 'status', width: 110, render: (run) => h(RunStatusTag, { status: run.status }) },
    { title: 'Trigger', key: 'trigger', width: 130, render: (run) => triggerCell(run, zoneOf(run), maxRetries) },
    {
      title: timezone ? `Started (${timezone})` : 'Started',
      key: 'started_at',
      width: 190,
      render: (run) => {
        const text = formatShortDateTime(run.started_at || run.queued_at || run.scheduled_for, zoneOf(run), { seconds: true })
        return timezone ? text : `${text} ${zoneOf(run)}`
      },
    },
    { title: 'Duration', key: 'duration_seconds', width: 100, render: (run) => formatDuration(run.duration_seconds) },
    { title: 'CPU', key: 'cpu_seconds', width: 80, render: (run) => formatDuration(run.cpu_seconds) },
    { title: 'Memory', key: 'peak_memory_bytes', width: 100, render: (run) => formatMiB(run.peak_memory_bytes) },
    { title: 'Exit', key: 'exit_code', width: 60, render: (run) => String(run.exit_code ?? '—') },
  ]
}

/** The whole row opens the run, by pointer or keyboard (Enter), not only a link in it. */
export function runRowProps(open: (run: RunRow) => void) {
  return (run: RunRow) => ({
    class: run.follows ? 'is-clickable-row is-retry-row' : 'is-clickable-row',
    'data-group': run.group === undefined ? undefined : String(run.group),
    'data-attempt': String(run.attempt ?? 1),
    tabindex: 0,
    // A link named by what the row shows ("#12 Success …"): a name of its own would hide the row's text.
    role: 'link',
    'data-test': 'run-row',
    'data-run-id': String(run.id),
    onClick: () => open(run),
    onKeydown: (event: KeyboardEvent) => {
      if (event.key === 'Enter') open(run)
    },
  })
}

/** Width of all columns: the table scrolls sideways below it (a phone). */
export const RUN_TABLE_WIDTH = 840
