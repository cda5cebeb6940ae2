import { getCurrentScope, onScopeDispose, ref } from 'vue'
import { backupApi } from '@/services/api'
import type { Backup, RestorePlan } from '@/services/types'
import { debounce } from '@/utils/debounce'
import { useRequest } from './useRequest'
import { useServerEvents } from './useServerEvents'

/**
 * One copy of the schedules, as `GET /backups` lists it: `name` is what a restore takes
 * ("schedules.json" or "backups/schedules-<time>.json"), `schedules` how many it holds (null
 * when it cannot be read as a schedules document).
 */
export type BackupCopy = Backup
/** What restoring a copy changes (a preview) or changed (`applied`), by schedule name. */
export type { RestorePlan }

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
  const plan = ref<RestorePlan | null>(null)
  const stale = ref(false)
  // The request in flight, by copy: one at a time, so a restore never races its own preview.
  const pending = ref<{ name: string; action: BackupAction } | null>(null)

  const copies = useRequest((signal) => backupApi.getBackups({ signal }), {
    onSuccess: (data) => {
      backups.value = data.items
      loaded.value = true
    },
  })
  async function list() {
    await copies.run()
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
        plan.value = await backupApi.restoreBackup(name, { dryRun: true })
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
      const done = await backupApi.restoreBackup(name, { dryRun: false })
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

  return { backups, loaded, error: copies.error, plan, stale, pending, list, preview, restore, discard }
}
