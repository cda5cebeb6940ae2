import { getCurrentScope, onScopeDispose, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { resourceApi } from '@/services/api'
import type { RunResources } from '@/services/types'
import { isActive } from '@/utils/runStatus'
import { useRequest } from './useRequest'

export type { RunResources }

const POLL_MS = 3000

/**
 * A run's CPU, memory and process count over time (`GET /runs/{id}/resources`). While the
 * run goes it is read again every few seconds (the server samples every couple of seconds and
 * no event tells of a new sample); once an answer says the run has ended it is read no more:
 * that answer holds the whole series and the run's final figures.
 */
export function useRunResources(runId: MaybeRefOrGetter<string | number>, { pollMs = POLL_MS } = {}) {
  let timer: ReturnType<typeof setTimeout> | null = null
  const read = useRequest((signal) => resourceApi.getRunResources(toValue(runId), { signal }))

  function stop() {
    if (timer) clearTimeout(timer)
    timer = null
  }

  async function load() {
    stop()
    await read.run()
    // An unknown run stays unknown; anything else (a restart, a blip) is tried again.
    if ((read.error.value as { status?: number } | null)?.status === 404) return
    const now = read.data.value as RunResources | null
    if (!now || isActive(now.status)) timer = setTimeout(load, pollMs)
  }

  watch(
    () => toValue(runId),
    () => {
      read.data.value = null
      load()
    },
    { immediate: true },
  )
  if (getCurrentScope()) onScopeDispose(stop)

  return { resources: read.data, error: read.error, load }
}
