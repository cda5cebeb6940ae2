import { getCurrentScope, onScopeDispose, ref, toValue, watch, type MaybeRefOrGetter } from 'vue'
import { resourceApi } from '@/services/api'
import type { RunResources } from '@/services/types'
import { isActive } from '@/utils/runStatus'

export type { RunResources }

const POLL_MS = 3000

/**
 * A run's CPU, memory and process count over time (`GET /runs/{id}/resources`). While the
 * run goes it is read again every few seconds (the server samples every couple of seconds and
 * no event tells of a new sample); once an answer says the run has ended it is read no more:
 * that answer holds the whole series and the run's final figures.
 */
export function useRunResources(runId: MaybeRefOrGetter<string | number>, { pollMs = POLL_MS } = {}) {
  const resources = ref<RunResources | null>(null)
  const error = ref<Error | null>(null)
  let timer: ReturnType<typeof setTimeout> | null = null
  let generation = 0

  function stop() {
    if (timer) clearTimeout(timer)
    timer = null
  }

  async function load(mine = generation) {
    stop()
    const id = toValue(runId)
    try {
      const answer = (await resourceApi.getRunResources(id)) as RunResources
      if (mine !== generation) return
      resources.value = answer
      error.value = null
    } catch (err) {
      if (mine !== generation) return
      error.value = err as Error
      // An unknown run stays unknown; anything else (a restart, a blip) is tried again.
      if ((err as { status?: number }).status === 404) return
    }
    if (!resources.value || isActive(resources.value.status)) {
      timer = setTimeout(() => load(mine), pollMs)
    }
  }

  watch(
    () => toValue(runId),
    () => {
      generation += 1
      resources.value = null
      load(generation)
    },
    { immediate: true },
  )
  if (getCurrentScope()) {
    onScopeDispose(() => {
      generation += 1
      stop()
    })
  }

  return { resources, error, load: () => load(generation) }
}
