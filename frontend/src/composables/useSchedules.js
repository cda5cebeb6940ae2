import { getCurrentScope, onScopeDispose, reactive, ref, toValue, watch } from 'vue'
import { scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import { useServerEvents } from './useServerEvents'

/**
 * The schedule list for a view: loads it with the given filters (a ref or getter of
 * `{q, enabled, workflow_type, last_status, page, page_size}`), keeps it fresh from
 * server events, and wraps the per-schedule actions with a pending marker so a card
 * can show a spinner while its request is in flight.
 */
export function useSchedules(filters = () => ({})) {
  const schedules = ref([])
  const total = ref(0)
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref(null)
  const pending = reactive({})
  let controller = null

  async function load() {
    controller?.abort()
    const mine = new AbortController()
    controller = mine
    loading.value = true
    try {
      const data = await scheduleApi.getSchedules(toValue(filters), { signal: mine.signal })
      schedules.value = data.items
      total.value = data.total
      error.value = null
      loaded.value = true
    } catch (err) {
      if (err?.name === 'AbortError') return
      error.value = err
    } finally {
      if (controller === mine) loading.value = false
    }
  }

  // Bursts of events (a run queued, started and finished) cost one request.
  const reload = debounce(load, 250)
  if (getCurrentScope()) onScopeDispose(() => {
    reload.cancel()
    controller?.abort?.()
  })

  function replace(updated) {
    const index = schedules.value.findIndex((s) => s.id === updated.id)
    if (index >= 0) schedules.value.splice(index, 1, updated)
  }

  async function withPending(schedule, action, work) {
    pending[schedule.id] = action
    try {
      return await work()
    } finally {
      delete pending[schedule.id]
    }
  }

  /** `reason`: `{note, until}` when switching off (both optional). */
  const toggle = (schedule, enabled, reason = {}) =>
    withPending(schedule, 'toggle', async () => {
      const updated = await scheduleApi.toggleSchedule(schedule.id, enabled, reason)
      replace(updated)
      return updated
    })

  const runNow = (schedule) =>
    withPending(schedule, 'run', async () => {
      const run = await scheduleApi.runScheduleNow(schedule.id)
      reload()
      return run
    })

  /** A disabled copy "<name> (copy)"; the list is reloaded to show it where it sorts. */
  const clone = (schedule) =>
    withPending(schedule, 'clone', async () => {
      const copy = await scheduleApi.cloneSchedule(schedule.id)
      reload()
      return copy
    })

  /** `detach`: delete though others run after it (a 409 without it names them). */
  const remove = (schedule, { detach = false } = {}) =>
    withPending(schedule, 'delete', async () => {
      await scheduleApi.deleteSchedule(schedule.id, { detach })
      schedules.value = schedules.value.filter((s) => s.id !== schedule.id)
      total.value = Math.max(0, total.value - 1)
    })

  watch(() => JSON.stringify(toValue(filters)), load, { immediate: true })

  useServerEvents({
    run: reload,
    schedule: (data) => {
      if (data?.action === 'deleted') {
        schedules.value = schedules.value.filter((s) => s.id !== data.schedule_id)
      }
      reload()
    },
    scheduler: reload,
    refresh: load,
  })

  return { schedules, total, loading, loaded, error, pending, load, reload, toggle, runNow, clone, remove }
}
