import { ref } from 'vue'
import { ApiError, scheduleApi } from '@/services/api'
import type { ImportRequest, ImportResult } from '@/services/types'

/** Export the schedules to a JSON file, and import such a file back. */
export function useScheduleTransfer() {
  const exporting = ref(false)
  const importing = ref(false)

  async function exportToFile(): Promise<number> {
    exporting.value = true
    try {
      const document = await scheduleApi.exportSchedules()
      const blob = new Blob([JSON.stringify(document, null, 2)], { type: 'application/json' })
      const url = URL.createObjectURL(blob)
      const link = Object.assign(window.document.createElement('a'), {
        href: url,
        download: `tickwork-schedules-${new Date().toISOString().slice(0, 10)}.json`,
      })
      link.click()
      setTimeout(() => URL.revokeObjectURL(url), 1000)
      return document.schedules?.length ?? 0
    } finally {
      exporting.value = false
    }
  }

  /** Resolves to the server's `{created, updated, total}`; throws ApiError (with `.document`, the parsed file). */
  async function importFromFile(file: File): Promise<ImportResult> {
    importing.value = true
    try {
      let document: ImportRequest
      try {
        document = JSON.parse(await file.text())
      } catch {
        throw new ApiError(400, { error: 'bad_request', message: `${file.name} is not a JSON file.` })
      }
      try {
        return await scheduleApi.importSchedules(document)
      } catch (error) {
        // The caller names each schedule of a refused file from the file itself.
        if (error instanceof ApiError) error.document = document
        throw error
      }
    } finally {
      importing.value = false
    }
  }

  return { exporting, importing, exportToFile, importFromFile }
}
