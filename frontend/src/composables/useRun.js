import { getCurrentScope, onScopeDispose, ref, toValue, watch } from 'vue'
import { scheduleApi } from '@/services/api'
import { appendSegments, chunkSegments } from '@/utils/logLines'
import { isActive } from '@/utils/runStatus'
import { useServerEvents } from './useServerEvents'

/** One run, kept current from `run` events, with cancel. */
export function useRun(runId) {
  const run = ref(null)
  const error = ref(null)
  const cancelling = ref(false)

  async function load() {
    const id = toValue(runId)
    try {
      const data = await scheduleApi.getRun(id)
      if (id === toValue(runId)) run.value = data
      error.value = null
    } catch (err) {
      error.value = err
    }
  }

  async function cancel() {
    cancelling.value = true
    try {
      run.value = await scheduleApi.cancelRun(toValue(runId))
    } finally {
      cancelling.value = false
    }
  }

  watch(
    () => toValue(runId),
    () => {
      run.value = null
      load()
    },
    { immediate: true },
  )

  useServerEvents({
    run: (data) => {
      if (String(data?.run?.id) !== String(toValue(runId))) return
      const next = { ...run.value, ...data.run }
      // Runs in lists carry no command (null): an update of that shape keeps the one we read.
      if (next.command == null && run.value?.command) next.command = run.value.command
      run.value = next
    },
    refresh: () => {
      if (!run.value || isActive(run.value.status)) load()
    },
  })

  return { run, error, cancelling, load, cancel }
}

/**
 * Follows a run's log: reads `/runs/{id}/log?offset=` and appends, polling while the
 * run is still writing, and stops once the server says the log is complete. `segments`
 * says which part came from stdout and which from stderr (all stdout when the server
 * does not say).
 */
export function useRunLog(runId, { interval = 1000 } = {}) {
  const content = ref('')
  const segments = ref([])
  const complete = ref(false)
  const error = ref(null)
  let offset = 0
  let timer = null
  let generation = 0

  async function poll(mine) {
    let chunk = null
    try {
      chunk = await scheduleApi.getRunLog(toValue(runId), offset)
      if (mine !== generation) return
      if (chunk.content) content.value += chunk.content
      const more = chunkSegments(chunk)
      if (more.length) segments.value = appendSegments(segments.value, more)
      offset = chunk.next_offset ?? offset + (chunk.content?.length || 0)
      complete.value = Boolean(chunk.complete)
      error.value = null
    } catch (err) {
      if (mine !== generation) return
      error.value = err
      // A run that does not exist will not start writing: stop asking.
      if (err.status === 404) return
    }
    if (complete.value) return
    // A full chunk means more is waiting: read on at once.
    const soon = chunk?.content && chunk.content.length >= 16384
    timer = setTimeout(() => poll(mine), soon ? 50 : interval)
  }

  function restart() {
    clearTimeout(timer)
    generation += 1
    offset = 0
    content.value = ''
    segments.value = []
    complete.value = false
    error.value = null
    poll(generation)
  }

  watch(() => toValue(runId), restart, { immediate: true })
  if (getCurrentScope()) {
    onScopeDispose(() => {
      generation += 1
      clearTimeout(timer)
    })
  }

  return { content, segments, complete, error, restart }
}
