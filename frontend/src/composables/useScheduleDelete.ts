import { useDialog } from 'naive-ui'

interface Named {
  name: string
}

/**
 * Deleting a schedule that others run after: the server answers 409 naming them; the user
 * then reads that and may delete anyway (`?detach=true`, the dependents lose the link).
 * `remove(schedule, {detach})` does the request; the promise ends once the schedule is gone
 * (true), kept (false), or the delete failed otherwise (the error is thrown).
 */
export function useScheduleDelete<S extends Named>(remove: (schedule: S, options: { detach: boolean }) => Promise<unknown>) {
  const dialog = useDialog()

  function offerDetach(schedule: S, message: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      dialog.warning({
        title: `“${schedule.name}” has schedules that run after it`,
        content: message,
        positiveText: 'Delete anyway',
        negativeText: 'Keep it',
        positiveButtonProps: { type: 'error', 'data-test': 'delete-anyway' } as never,
        onPositiveClick: () =>
          remove(schedule, { detach: true }).then(
            () => resolve(true),
            (err) => {
              reject(err)
            },
          ),
        onNegativeClick: () => resolve(false),
        onClose: () => resolve(false),
        onMaskClick: () => resolve(false),
      })
    })
  }

  return async function deleteSchedule(schedule: S): Promise<boolean> {
    try {
      await remove(schedule, { detach: false })
      return true
    } catch (err) {
      const error = err as { status?: number; message?: string }
      if (error.status !== 409) throw err
      return offerDetach(schedule, error.message || 'Other schedules run after this one.')
    }
  }
}
