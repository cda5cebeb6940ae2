import { getCurrentScope, onScopeDispose, ref, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { scheduleApi } from '@/services/api'
import type { Schedule } from '@/services/types'
import { debounce } from '@/utils/debounce'
import { useRequest } from './useRequest'
import { useServerEvents } from './useServerEvents'

export type SchedulePending = '' | 'toggle' | 'run' | 'clone' | 'delete'

/** One schedule by id, kept fresh from events, with its actions. */
export function useSchedule(scheduleId: MaybeRefOrGetter<string>) {
  const schedule = ref<Schedule | null>(null)
  const deleted = ref(false)
  const pending = ref<SchedulePending>('')

  const one = useRequest((signal) => scheduleApi.getSchedule(toValue(scheduleId), { signal }), {
    onSuccess: (data) => {
      schedule.value = data
    },
  })
  const load = async () => {
    await one.run()
  }
  const reload = debounce(load, 250)
  if (getCurrentScope()) onScopeDispose(reload.cancel)

  async function withPending<T>(action: SchedulePending, work: () => Promise<T>): Promise<T> {
    pending.value = action
    try {
      return await work()
    } finally {
      pending.value = ''
    }
  }

  const toggle = (enabled?: boolean | null, reason: { note?: string | null; until?: string | null } = {}) =>
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
  const remove = ({ detach = false }: { detach?: boolean } = {}) =>
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

  const isMine = (id: string | null | undefined) => id === toValue(scheduleId)
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

  return { schedule, error: one.error, deleted, pending, load, toggle, runNow, clone, remove }
}
