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

  async function setPaused(paused, note = '') {
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
      if (status.value && data && 'pause_note' in data) status.value.pause_note = data.pause_note
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
    /** `note`: why, shown on the dashboard while the pause lasts. */
    pause: (note = '') => setPaused(true, note),
    resume: () => setPaused(false),
  }
}
