import { computed, ref } from 'vue'
import { scheduleApi } from '@/services/api'

/**
 * The server's workflow registry and schedule templates. They change only when the
 * server's configuration does, so one load per page is shared by every caller.
 */
const workflows = ref([])
const templates = ref([])
const error = ref(null)
const loading = ref(false)
let pending = null

function loadRegistry() {
  if (!pending) {
    loading.value = true
    pending = Promise.all([scheduleApi.getWorkflows(), scheduleApi.getTemplates()])
      .then(([w, t]) => {
        workflows.value = w.items
        templates.value = t.items
        error.value = null
      })
      .catch((err) => {
        error.value = err
        pending = null // let the next caller try again
      })
      .finally(() => {
        loading.value = false
      })
  }
  return pending
}

export function useRegistry() {
  loadRegistry()
  const workflowByName = computed(() => Object.fromEntries(workflows.value.map((w) => [w.name, w])))
  return { workflows, templates, workflowByName, loading, error, reload: loadRegistry }
}

/** For tests: forget the cached registry. */
export function resetRegistry() {
  workflows.value = []
  templates.value = []
  error.value = null
  pending = null
}
