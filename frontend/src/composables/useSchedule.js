import { getCurrentScope, onScopeDispose, ref, toValue, watch } from 'vue'
import { scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import { useServerEvents } from './useServerEvents'

/** One schedule by id, kept fresh from events, with its actions. */
export function useSchedule(scheduleId) {
  const schedule = ref(null)
  const error = ref(null)
  const deleted = ref(false)
  const pending = ref('')

  async function load() {
    try {
      schedule.value = await scheduleApi.getSchedule(toValue(scheduleId))
      error.value = null
    } catch (err) {
      error.value = err
    }
  }
  const reload = debounce(load, 250)
  if (getCurrentScope()) onScopeDispose(reload.cancel)

  async function withPending(action, work) {
    pending.value = action
    try {
      return await work()
    } finally {
      pending.value = ''
    }
  }

  const toggle = (enabled, reason = {}) =>
    withPending('toggle', async () => {
      schedule.value = await scheduleApi.toggleSchedule(toValue(scheduleId), enabled, reason)
      return schedule.value
    })
  const runNow = () =>
    withPending('run', async () => {
      const run = await scheduleApi.runScheduleNow(toValue(scheduleId))
      reload()
      return run
    })
  /** A disabled copy of this schedule (a new schedule, returned; this one is unchanged). */
  const clone = () => withPending('clone', () => scheduleApi.cloneSchedule(toValue(scheduleId)))
  const remove = ({ detach = false } = {}) =>
    withPending('delete', async () => {
      await scheduleApi.deleteSchedule(toValue(scheduleId), { detach })
      deleted.value = true
    })

  watch(
    () => toValue(scheduleId),
    () => {
      schedule.value = null
      deleted.value = false
      load()
    },
    { immediate: true },
  )

  const isMine = (id) => id === toValue(scheduleId)
  useServerEvents({
    run: (data) => isMine(data?.run?.schedule_id) && reload(),
    schedule: (data) => {
      if (!isMine(data?.schedule_id)) return
      if (data.action === 'deleted') deleted.value = true
      else if (data.schedule) schedule.value = data.schedule
      else reload()
    },
    scheduler: reload,
    refresh: () => !deleted.value && load(),
  })

  return { schedule, error, deleted, pending, load, toggle, runNow, clone, remove }
}
