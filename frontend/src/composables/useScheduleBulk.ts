import { h, ref } from 'vue'
import { useMessage, useNotification } from 'naive-ui'
import { scheduleApi } from '@/services/api'
import {
  bulkRequests,
  failureText,
  summarise,
  summaryText,
  type BulkAction,
  type BulkResult,
  type BulkSummary,
  type BulkTarget,
} from '@/utils/scheduleBulk'

// Enough failures to see what went wrong; the rest are counted.
const LISTED_FAILURES = 10

/**
 * Sends a bulk action and says how it went: a message with the count done, and a
 * notification that stays (until closed) naming each schedule that failed and why.
 * A refusal of the whole request (403: the role is too low; 422) is shown as its message.
 */
export function useScheduleBulk() {
  const message = useMessage()
  const notification = useNotification()
  const busy = ref<BulkAction | null>(null)

  function report(action: BulkAction, value: string, summary: BulkSummary) {
    if (summary.ok) message.success(summaryText(action, value, summary.ok))
    if (!summary.failed.length) return
    const rest = summary.failed.length - LISTED_FAILURES
    notification.warning({
      title: failureText(action, value, summary.failed.length, summary.ok + summary.failed.length),
      content: () =>
        h('ul', { class: 'bulk-failures', 'data-test': 'bulk-failures' }, [
          ...summary.failed.slice(0, LISTED_FAILURES).map((f) => h('li', { key: f.id }, `${f.name}: ${f.error}`)),
          rest > 0 ? h('li', { key: 'rest' }, `and ${rest} more`) : null,
        ]),
      closable: true,
    })
  }

  /** The summary once done; null when the request as a whole was refused (already said). */
  async function apply(
    action: BulkAction,
    target: BulkTarget,
    value = '',
    nameOf: (id: string) => string | undefined = () => undefined,
  ): Promise<BulkSummary | null> {
    busy.value = action
    try {
      const results: BulkResult[] = []
      for (const body of bulkRequests(action, target, value)) {
        const answer = await scheduleApi.bulkSchedules(body)
        results.push(...answer.results)
      }
      const summary = summarise(results, nameOf)
      report(action, value, summary)
      return summary
    } catch (err) {
      message.error((err as Error).message)
      return null
    } finally {
      busy.value = null
    }
  }

  return { busy, apply }
}
