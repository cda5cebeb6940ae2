import { getCurrentScope, onScopeDispose, reactive, ref, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { auditApi, scheduleApi } from '@/services/api'
import type { ApiQuery, AuditEntry } from '@/services/types'
import { debounce } from '@/utils/debounce'
import { useRequest } from './useRequest'
import { useServerEvents } from './useServerEvents'

export type AuditFilters = Omit<ApiQuery<'/audit', 'get'>, 'page_size'>

/**
 * One page of the audit log for the given filters (a getter of `{actor, action,
 * target_id, page}`), newest first, refreshed when something changes on the server.
 *
 * `exists` says, per `schedule:<id>` and `run:<id>`, whether the target is still there
 * (true/false; missing while unknown), so the page links only to what can be opened.
 */
export function useAuditLog(filters: MaybeRefOrGetter<AuditFilters>, { pageSize = 50 }: { pageSize?: number } = {}) {
  const entries = ref<AuditEntry[]>([])
  const total = ref(0)
  const exists = reactive<Record<string, boolean | undefined>>({})

  async function check(key: string, lookup: () => Promise<unknown>) {
    if (key in exists) return
    exists[key] = undefined
    try {
      await lookup()
      exists[key] = true
    } catch (err) {
      // Only a 404 says it is gone; after any other failure the link may still work.
      exists[key] = (err as { status?: number }).status !== 404
    }
  }

  function checkTargets(items: AuditEntry[]) {
    for (const entry of items) {
      const targetId = entry.target_id
      if (entry.target_type === 'schedule' && targetId) {
        check(`schedule:${targetId}`, () => scheduleApi.getSchedule(targetId))
      }
      const runId = entry.target_type === 'run' ? entry.target_id : entry.detail?.run_id
      if (runId !== undefined && runId !== null) check(`run:${runId}`, () => scheduleApi.getRun(String(runId)))
    }
  }

  const page = useRequest((signal) => auditApi.getAudit({ ...toValue(filters), page_size: pageSize }, { signal }), {
    onSuccess: (data) => {
      entries.value = data.items
      total.value = data.total
      checkTargets(data.items)
    },
  })
  const load = async () => {
    await page.run()
  }

  // A deletion makes a target disappear: ask again about what is shown.
  function forget(key: string) {
    delete exists[key]
  }

  const reload = debounce(load, 500)
  if (getCurrentScope()) onScopeDispose(reload.cancel)

  watch(() => JSON.stringify(toValue(filters)), load, { immediate: true })

  useServerEvents({
    schedule: (data) => {
      if (data?.action === 'deleted' && data.schedule_id) forget(`schedule:${data.schedule_id}`)
      reload()
    },
    scheduler: reload,
    run: reload,
    refresh: load,
  })

  return { entries, total, loading: page.loading, error: page.error, exists, pageSize, load }
}
