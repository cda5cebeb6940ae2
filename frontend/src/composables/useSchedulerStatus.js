import { computed, getCurrentScope, onScopeDispose, ref } from 'vue'
import { scheduleApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import { useServerEvents } from './useServerEvents'

/** The scheduler's state (`GET /schedules/status`), kept fresh, with pause/resume. */
export function useSchedulerStatus() {
  const status = ref(null)
  const error = ref(null)
  const switching = ref(false)

  async function load() {
    try {
      status.value = await scheduleApi.getSchedulerStatus()
      error.value = null
    } catch (err) {
      error.value = err
    }
  }
  const reload = debounce(load, 250)
  if (getCurrentScope()) onScopeDispose(reload.cancel)

  async function setPaused(paused) {
    switching.value = true
    try {
      status.value = paused ? await scheduleApi.pauseScheduler() : await scheduleApi.resumeScheduler()
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
      reload()
    },
    refresh: load,
  })
  load()

  return {
    status,
    error,
    switching,
    nextRun,
    load,
    pause: () => setPaused(true),
    resume: () => setPaused(false),
  }
}
