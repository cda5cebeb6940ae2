import { computed, getCurrentScope, onScopeDispose, ref } from 'vue'
import { scheduleApi } from '@/services/api'
import type { SchedulerStatus } from '@/services/types'
import { debounce } from '@/utils/debounce'
import { useRequest } from './useRequest'
import { useServerEvents } from './useServerEvents'

/** The scheduler's state (`GET /schedules/status`), kept fresh, with pause/resume. */
export function useSchedulerStatus() {
  const status = ref<SchedulerStatus | null>(null)
  const switching = ref(false)

  const read = useRequest((signal) => scheduleApi.getSchedulerStatus({ signal }), {
    onSuccess: (data) => {
      status.value = data
    },
  })
  const load = async () => {
    await read.run()
  }
  const reload = debounce(load, 250)
  if (getCurrentScope()) onScopeDispose(reload.cancel)

  async function setPaused(paused: boolean, note = '') {
    switching.value = true
    try {
      status.value = paused ? await scheduleApi.pauseScheduler(note) : await scheduleApi.resumeScheduler()
    } finally {
      switching.value = false
    }
  }

  const nextRun = computed(() => status.value?.next_runs?.[0] || null)

  useServerEvents({
    run: reload,
    schedule: reload,
    scheduler: (data) => {
      if (status.value && typeof data?.paused === 'boolean') status.value.paused = data.paused
      if (status.value && data && 'pause_note' in data) status.value.pause_note = data.pause_note ?? null
      reload()
    },
    refresh: load,
  })
  load()

  return {
    status,
    error: read.error,
    switching,
    nextRun,
    load,
    /** `note`: why, shown on the dashboard while the pause lasts. */
    pause: (note = '') => setPaused(true, note),
    resume: () => setPaused(false),
  }
}
