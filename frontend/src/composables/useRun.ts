import { getCurrentScope, onScopeDispose, ref, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { ApiError, scheduleApi } from '@/services/api'
import type { LogSlice, Run } from '@/services/types'
import { appendSegments, chunkSegments, type LogSegment } from '@/utils/logLines'
import { isActive } from '@/utils/runStatus'
import { useRequest } from './useRequest'
import { useServerEvents } from './useServerEvents'

type RunId = string | number

/** One run, kept current from `run` events, with cancel. */
export function useRun(runId: MaybeRefOrGetter<RunId>) {
  const run = ref<Run | null>(null)
  const cancelling = ref(false)

  const one = useRequest((signal) => scheduleApi.getRun(toValue(runId), { signal }), {
    onSuccess: (data) => {
      run.value = data
    },
  })
  const load = async () => {
    await one.run()
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
      if (!data?.run || String(data.run.id) !== String(toValue(runId))) return
      const next = { ...run.value, ...data.run }
      // Runs in lists carry no command (null): an update of that shape keeps the one we read.
      if (next.command == null && run.value?.command) next.command = run.value.command
      run.value = next
    },
    refresh: () => {
      if (!run.value || isActive(run.value.status)) load()
    },
  })

  return { run, error: one.error, cancelling, load, cancel }
}

// A full chunk (the server's page size) means more is waiting: read on at once.
const FULL_CHUNK = 16384

/**
 * Follows a run's log: reads `/runs/{id}/log?offset=` and appends, polling while the
 * run is still writing, and stops once the server says the log is complete. `segments`
 * says which part came from stdout and which from stderr (all stdout when the server
 * does not say).
 */
export function useRunLog(runId: MaybeRefOrGetter<RunId>, { interval = 1000 }: { interval?: number } = {}) {
  const content = ref('')
  const segments = ref<LogSegment[]>([])
  const complete = ref(false)
  let offset = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  // Only the latest read's answer or failure comes in here (useRequest): a restart (another
  // run) and leaving the page abort the read in flight, whose answer is for a log no longer shown.
  const read = useRequest((signal) => scheduleApi.getRunLog(toValue(runId), offset, { signal }), {
    onSuccess: (chunk) => {
      take(chunk)
      if (!complete.value) later(chunk.content && chunk.content.length >= FULL_CHUNK ? 50 : interval)
    },
    onError: (err) => {
      // A run that does not exist will not start writing: stop asking.
      if (!(err instanceof ApiError && err.status === 404)) later(interval)
    },
  })

  function take(chunk: LogSlice) {
    if (chunk.content) content.value += chunk.content
    const more = chunkSegments(chunk)
    if (more.length) segments.value = appendSegments(segments.value, more)
    offset = chunk.next_offset ?? offset + (chunk.content?.length || 0)
    complete.value = Boolean(chunk.complete)
  }

  function later(ms: number) {
    timer = setTimeout(read.run, ms)
  }

  function restart() {
    clearTimeout(timer)
    read.abort()
    offset = 0
    content.value = ''
    segments.value = []
    complete.value = false
    read.error.value = null
    read.run()
  }

  watch(() => toValue(runId), restart, { immediate: true })
  if (getCurrentScope()) onScopeDispose(() => clearTimeout(timer))

  return { content, segments, complete, error: read.error, restart }
}
