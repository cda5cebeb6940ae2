import { computed, ref } from 'vue'
import { scheduleApi } from '@/services/api'
import type { Template, Workflow } from '@/services/types'
import { useRequest } from './useRequest'

/**
 * The server's workflow registry and schedule templates. They change only when the
 * server's configuration does, so one load per page is shared by every caller: the
 * request lives outside any component, and leaving one does not abort it.
 */
const workflows = ref<Workflow[]>([])
const templates = ref<Template[]>([])
const registry = useRequest(
  async (signal) => {
    const [w, t] = await Promise.all([scheduleApi.getWorkflows({ signal }), scheduleApi.getTemplates({ signal })])
    return { workflows: w.items, templates: t.items }
  },
  {
    onSuccess: (data) => {
      workflows.value = data.workflows
      templates.value = data.templates
    },
  },
)
let pending: Promise<unknown> | null = null

function loadRegistry(): Promise<unknown> {
  if (!pending) {
    pending = registry.run().then(() => {
      if (registry.error.value) pending = null // let the next caller try again
    })
  }
  return pending
}

export function useRegistry() {
  loadRegistry()
  const workflowByName = computed(() => Object.fromEntries(workflows.value.map((w) => [w.name, w])))
  return { workflows, templates, workflowByName, loading: registry.loading, error: registry.error, reload: loadRegistry }
}

/** For tests: forget the cached registry. */
export function resetRegistry() {
  registry.abort()
  workflows.value = []
  templates.value = []
  registry.error.value = null
  pending = null
}
