import { computed, ref } from 'vue'

export type PageChecked = 'all' | 'some' | 'none'

/**
 * Which schedules of the list are picked for a bulk action: ids (kept across pages), or
 * "all matching the filters" (sent as the filter itself, so 10,000 need no id list).
 * `pageIds` are the rows shown, `total` how many match in all.
 */
export function useScheduleSelection(pageIds: () => readonly string[], total: () => number) {
  const ids = ref<string[]>([])
  const allMatching = ref(false)
  const picked = computed(() => new Set(ids.value))

  const count = computed(() => (allMatching.value ? total() : ids.value.length))
  const isSelected = (id: string) => allMatching.value || picked.value.has(id)

  const pageChecked = computed<PageChecked>(() => {
    const page = pageIds()
    if (!page.length) return 'none'
    if (allMatching.value) return 'all'
    const on = page.filter((id) => picked.value.has(id)).length
    if (on === 0) return 'none'
    return on === page.length ? 'all' : 'some'
  })

  /** The whole page is picked and more match than it shows: "all N" is worth offering. */
  const offerAllMatching = computed(() => !allMatching.value && pageChecked.value === 'all' && total() > pageIds().length)

  function check(id: string, checked: boolean) {
    if (allMatching.value) {
      // Leaving "all": what stays picked is what can be seen, less this one.
      allMatching.value = false
      ids.value = pageIds().filter((other) => other !== id || checked)
      return
    }
    if (checked && !picked.value.has(id)) ids.value = [...ids.value, id]
    if (!checked) ids.value = ids.value.filter((other) => other !== id)
  }

  function checkPage(checked: boolean) {
    const page = pageIds()
    if (checked) {
      ids.value = [...new Set([...ids.value, ...page])]
      return
    }
    const shown = new Set(page)
    ids.value = allMatching.value ? [] : ids.value.filter((id) => !shown.has(id))
    allMatching.value = false
  }

  function selectAllMatching() {
    allMatching.value = true
  }

  function clear() {
    ids.value = []
    allMatching.value = false
  }

  return { ids, allMatching, count, isSelected, pageChecked, offerAllMatching, check, checkPage, selectAllMatching, clear }
}
