import { getCurrentScope, onScopeDispose, reactive, ref, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { scheduleApi } from '@/services/api'
import type { ApiQuery, Schedule } from '@/services/types'
import { debounce } from '@/utils/debounce'
import { useRequest } from './useRequest'
import { useServerEvents } from './useServerEvents'

export type ScheduleListQuery = ApiQuery<'/schedules', 'get'>
export type ScheduleAction = 'toggle' | 'run' | 'clone' | 'delete'

/**
 * The schedule list for a view: loads it with the given filters (a ref or getter of
 * `{q, enabled, workflow_type, last_status, page, page_size}`), keeps it fresh from
 * server events, and wraps the per-schedule actions with a pending marker so a card
 * can show a spinner while its request is in flight.
 */
export function useSchedules(filters: MaybeRefOrGetter<ScheduleListQuery> = () => ({})) {
  const schedules = ref<Schedule[]>([])
  const total = ref(0)
  const loaded = ref(false)
  const pending = reactive<Record<string, ScheduleAction>>({})

  const list = useRequest((signal) => scheduleApi.getSchedules(toValue(filters), { signal }), {
    onSuccess: (data) => {
      schedules.value = data.items
      total.value = data.total
      loaded.value = true
    },
  })
  const load = async () => {
    await list.run()
  }

  // Bursts of events (a run queued, started and finished) cost one request.
  const reload = debounce(load, 250)
  if (getCurrentScope()) onScopeDispose(reload.cancel)

  function replace(updated: Schedule) {
    const index = schedules.value.findIndex((s) => s.id === updated.id)
    if (index >= 0) schedules.value.splice(index, 1, updated)
  }

  async function withPending<T>(schedule: Pick<Schedule, 'id'>, action: ScheduleAction, work: () => Promise<T>): Promise<T> {
    pending[schedule.id] = action
    try {
      return await work()
    } finally {
      delete pending[schedule.id]
    }
  }

  /** `reason`: `{note, until}` when switching off (both optional). */
  const toggle = (
    schedule: Pick<Schedule, 'id'>,
    enabled?: boolean | null,
    reason: { note?: string | null; until?: string | null } = {},
  ) =>
    withPending(schedule, 'toggle', async () => {
      const updated = await scheduleApi.toggleSchedule(schedule.id, enabled, reason)
      replace(updated)
      return updated
    })

  const runNow = (schedule: Pick<Schedule, 'id'>) =>
    withPending(schedule, 'run', async () => {
      const run = await scheduleApi.runScheduleNow(schedule.id)
      reload()
      return run
    })

  /** A disabled copy "<name> (copy)"; the list is reloaded to show it where it sorts. */
  const clone = (schedule: Pick<Schedule, 'id'>) =>
    withPending(schedule, 'clone', async () => {
      const copy = await scheduleApi.cloneSchedule(schedule.id)
      reload()
      return copy
    })

  /** `detach`: delete though others run after it (a 409 without it names them). */
  const remove = (schedule: Pick<Schedule, 'id'>, { detach = false }: { detach?: boolean } = {}) =>
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

  return {
    schedules,
    total,
    loading: list.loading,
    loaded,
    error: list.error,
    pending,
    load,
    reload,
    toggle,
    runNow,
    clone,
    remove,
  }
}
