import { readonly, ref } from 'vue'

/**
 * The groups and tags the page has seen, shared by every caller: suggestions for the form's
 * group and tags and options for the list's filters. They are learnt from what the page loads
 * anyway (a page of the list, one schedule, a save), so 10,000 schedules cost no extra request;
 * a group or tag not seen yet can still be typed.
 */

interface Labelled {
  group?: string | null
  tags?: string[] | null
}

// Enough for any menu; a store with more distinct labels than this is searched by typing.
const MAX_KNOWN = 500

const groups = ref<string[]>([])
const tags = ref<string[]>([])

function merged(known: string[], seen: Iterable<string>): string[] {
  const all = new Set(known)
  const before = all.size
  for (const label of seen) if (label && all.size < MAX_KNOWN) all.add(label)
  return all.size === before ? known : [...all].sort((a, b) => a.localeCompare(b))
}

/** Takes in the groups and tags of these schedules. */
export function learnLabels(schedules: readonly Labelled[]) {
  const next = merged(groups.value, schedules.map((s) => s.group || ''))
  if (next !== groups.value) groups.value = next
  const nextTags = merged(tags.value, schedules.flatMap((s) => s.tags || []))
  if (nextTags !== tags.value) tags.value = nextTags
}

export function useScheduleLabels() {
  return { groups: readonly(groups), tags: readonly(tags), learn: learnLabels }
}

/** For tests: forget what was seen. */
export function resetLabels() {
  groups.value = []
  tags.value = []
}
