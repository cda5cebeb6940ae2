import { getCurrentScope, onScopeDispose, reactive, ref, toValue, watch } from 'vue'
import { auditApi, scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import { useServerEvents } from './useServerEvents'

/**
 * One page of the audit log for the given filters (a getter of `{actor, action,
 * target_id, page}`), newest first, refreshed when something changes on the server.
 *
 * `exists` says, per `schedule:<id>` and `run:<id>`, whether the target is still there
 * (true/false; missing while unknown), so the page links only to what can be opened.
 */
export function useAuditLog(filters, { pageSize = 50 } = {}) {
  const entries = ref([])
  const total = ref(0)
  const loading = ref(false)
  const error = ref(null)
  const exists = reactive({})
  let asked = 0

  async function check(key, lookup) {
    if (key in exists) return
    exists[key] = undefined
    try {
      await lookup()
      exists[key] = true
    } catch (err) {
      // Only a 404 says it is gone; after any other failure the link may still work.
      exists[key] = err.status !== 404
    }
  }

  function checkTargets(items) {
    for (const entry of items) {
      if (entry.target_type === 'schedule' && entry.target_id) {
        check(`schedule:${entry.target_id}`, () => scheduleApi.getSchedule(entry.target_id))
      }
      const runId = entry.target_type === 'run' ? entry.target_id : entry.detail?.run_id
      if (runId !== undefined && runId !== null) check(`run:${runId}`, () => scheduleApi.getRun(runId))
    }
  }

  async function load() {
    const mine = ++asked
    loading.value = true
    try {
      const data = await auditApi.getAudit({ ...toValue(filters), page_size: pageSize })
      if (mine !== asked) return
      entries.value = data.items
      total.value = data.total
      error.value = null
      checkTargets(data.items)
    } catch (err) {
      if (mine === asked) error.value = err
    } finally {
      if (mine === asked) loading.value = false
    }
  }

  // A deletion makes a target disappear: ask again about what is shown.
  function forget(key) {
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

  return { entries, total, loading, error, exists, pageSize, load }
}
