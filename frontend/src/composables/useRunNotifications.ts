import { h } from 'vue'
import { RouterLink } from 'vue-router'
import { useNotification } from 'naive-ui'
import { FAILED_STATUSES, statusLabel, triggerLabel } from '@/utils/runStatus'
import { formatDuration } from '@/utils/format'
import type { Run } from '@/services/types'
import { useServerEvents, type RunEvent } from './useServerEvents'

const SHORT_MS = 5000

function runLink(run: Run) {
  return () =>
    h('div', { class: 'run-notification' }, [
      run.error ? h('div', { class: 'run-notification__error' }, run.error) : null,
      h(RouterLink, { to: `/runs/${run.id}`, class: 'run-notification__link' }, () => `Open run #${run.id}`),
    ])
}

function title(run: Run) {
  return run.schedule_name || `Schedule ${run.schedule_id}`
}

/**
 * Pops a notification when a run starts or ends. A failed run (failed, timeout, lost)
 * raises an alert that stays until it is dismissed, with a link to the run.
 */
export function useRunNotifications() {
  const notification = useNotification()

  function onRun({ action, run }: RunEvent = {}) {
    if (!run) return
    if (action === 'started') {
      notification.info({
        title: title(run),
        content: `Run #${run.id} started`,
        meta: run.trigger && run.trigger !== 'schedule' ? triggerLabel(run.trigger) : undefined,
        duration: SHORT_MS,
      })
      return
    }
    if (action !== 'finished') return
    if (run.status === 'success') {
      notification.success({
        title: title(run),
        content: `Run #${run.id} finished in ${formatDuration(run.duration_seconds)}`,
        duration: SHORT_MS,
      })
    } else if (FAILED_STATUSES.has(run.status)) {
      notification.error({
        title: `${title(run)}: ${statusLabel(run.status).toLowerCase()}`,
        content: runLink(run),
        meta: run.exit_code !== null && run.exit_code !== undefined ? `Exit code ${run.exit_code}` : undefined,
        duration: 0,
        closable: true,
      })
    } else {
      notification.warning({
        title: title(run),
        content: `Run #${run.id}: ${statusLabel(run.status).toLowerCase()}`,
        duration: SHORT_MS,
      })
    }
  }

  return useServerEvents({ run: onRun })
}
