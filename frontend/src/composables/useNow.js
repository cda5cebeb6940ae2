import { getCurrentScope, onScopeDispose, ref } from 'vue'

/** A ref holding Date.now(), ticking every `interval` ms while the caller lives. */
export function useNow(interval = 1000) {
  const now = ref(Date.now())
  const timer = setInterval(() => {
    now.value = Date.now()
  }, interval)
  if (getCurrentScope()) onScopeDispose(() => clearInterval(timer))
  return now
}
