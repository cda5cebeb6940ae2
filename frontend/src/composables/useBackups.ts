import { getCurrentScope, onScopeDispose, ref } from 'vue'
import { backupApi } from '@/services/api'
import { debounce } from '@/utils/debounce'
import { useServerEvents } from './useServerEvents'

/** One copy of the schedules, as `GET /backups` lists it. */
export interface BackupCopy {
  /** What a restore takes: "schedules.json" or "backups/schedules-<time>.json". */
  name: string
  taken_at: string
  /** How many schedules it holds; null when it cannot be read as a schedules document. */
  schedules: number | null
}

/** What restoring a copy changes (a preview) or changed (`applied`), by schedule name. */
export interface RestorePlan {
  backup: string
  applied: boolean
  added: string[]
  changed: string[]
  removed: string[]
  unchanged: number
}

export type BackupAction = 'preview' | 'restore'

// The server writes its copy 2 s after a change (portable.Backup): the list is asked again a
// little later, when the new copy is there.
export const AFTER_WRITE_MS = 3000

/**
 * The copies of the schedules (admin only) and restoring one: `preview(name)` asks what a
 * restore would change (a dry run, nothing written) and keeps it as `plan`; `restore(name)`
 * applies it. A plan compares the copy with the schedules as they were when it was asked:
 * when they change afterwards (`schedule` events), it is marked `stale`.
 *
 * `enabled: false` asks nothing at all (a page shown to someone without the admin role).
 */
export function useBackups({ enabled = true }: { enabled?: boolean } = {}) {
  const backups = ref<BackupCopy[]>([])
  const loaded = ref(false)
  const error = ref<Error | null>(null)
  const plan = ref<RestorePlan | null>(null)
  const stale = ref(false)
  // The request in flight, by copy: one at a time, so a restore never races its own preview.
  const pending = ref<{ name: string; action: BackupAction } | null>(null)
  let asked = 0

  async function list() {
    const mine = ++asked
    try {
      const data = (await backupApi.getBackups()) as { items: BackupCopy[] }
      if (mine !== asked) return
      backups.value = data.items
      error.value = null
      loaded.value = true
    } catch (err) {
      if (mine === asked) error.value = err as Error
    }
  }

  const listLater = debounce(list, AFTER_WRITE_MS)
  if (getCurrentScope()) onScopeDispose(listLater.cancel)

  async function withPending<T>(name: string, action: BackupAction, work: () => Promise<T>): Promise<T> {
    pending.value = { name, action }
    try {
      return await work()
    } finally {
      pending.value = null
    }
  }

  const preview = (name: string) =>
    withPending(name, 'preview', async () => {
      try {
        plan.value = (await backupApi.restoreBackup(name, { dryRun: true })) as RestorePlan
        stale.value = false
        return plan.value
      } catch (err) {
        // A failed preview leaves no plan to restore from.
        plan.value = null
        throw err
      }
    })

  const restore = (name: string) =>
    withPending(name, 'restore', async () => {
      const done = (await backupApi.restoreBackup(name, { dryRun: false })) as RestorePlan
      plan.value = null
      stale.value = false
      listLater()
      return done
    })

  function discard() {
    plan.value = null
    stale.value = false
  }

  if (enabled) {
    useServerEvents({
      schedule: () => {
        // Our own restore changes the schedules too; its answer replaces the plan anyway.
        if (plan.value && pending.value?.action !== 'restore') stale.value = true
        listLater()
      },
      refresh: list,
    })
    list()
  } else {
    loaded.value = true
  }

  return { backups, loaded, error, plan, stale, pending, list, preview, restore, discard }
}
