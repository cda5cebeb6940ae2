import { computed, ref } from 'vue'
import type { RouteLocationNormalized, RouteLocationRaw, Router } from 'vue-router'
import { ApiError, authApi, configureAuth, setCsrfToken } from '@/services/api'
import type { Me, Role } from '@/services/types'
import { roleAllows } from '@/utils/roles'

export interface SessionUser {
  username: string
  role: Role
}
/** What `/auth/me` or the login answers; the login's answer says nothing of `auth_enabled`. */
type SessionAnswer = Omit<Me, 'auth_enabled'> & { auth_enabled?: boolean }
/** What `can()` asks about: an ability ('view', 'operate', 'admin') or a role name. */
export type Ability = 'view' | 'operate' | 'admin' | Role

/**
 * Who is using the page, shared by every caller.
 *
 * `authEnabled` is null until the server was asked; false in open mode (everyone is
 * `anonymous` with the admin role, and no login screen is ever shown); true once users
 * or an API token exist. `user` is `{username, role}`, or null when logged out.
 */
const user = ref<SessionUser | null>(null)
const authEnabled = ref<boolean | null>(null)
let loading: Promise<void> | null = null

/** Takes in an answer of `/auth/me` or of the login. */
export function setSession(me: SessionAnswer | null | undefined) {
  user.value = me ? { username: me.username, role: me.role } : null
  if (me && typeof me.auth_enabled === 'boolean') authEnabled.value = me.auth_enabled
  setCsrfToken(me?.csrf_token)
}

function signedOut() {
  user.value = null
  authEnabled.value = true // only a server with authentication answers 401
  setCsrfToken(null)
}

/** Asks the server who we are; a 401 means logged out. Other failures are thrown. */
async function load() {
  try {
    setSession(await authApi.me())
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error
    signedOut()
  }
}

/** Loads once; later calls share the answer (the router guard calls it on every navigation). */
function ensureLoaded(): Promise<void> {
  if (authEnabled.value !== null) return Promise.resolve()
  if (!loading) loading = load().finally(() => (loading = null))
  return loading
}

async function login(username: string, password: string) {
  const me = await authApi.login(username, password)
  setSession({ ...me, auth_enabled: true })
  return user.value
}

async function logout() {
  try {
    await authApi.logout()
  } catch (error) {
    // Already logged out on the server (401): the page still forgets the session.
    if (!(error instanceof ApiError) || error.status !== 401) throw error
  } finally {
    signedOut()
  }
}

export function useAuth() {
  const role = computed(() => user.value?.role || null)
  /** True when the current user may do what `ability` needs: 'view', 'operate' or 'admin'. */
  const can = (ability: Ability): boolean => roleAllows(role.value, ability)
  const loggedIn = computed(() => Boolean(user.value))
  return { user, role, authEnabled, loggedIn, can, load, ensureLoaded, login, logout }
}

/** Safe place to go after logging in: a path on this site, never back to the login. */
export function safeNext(next: unknown): string {
  const path = Array.isArray(next) ? next[0] : next
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/'
  if (path === '/login' || path.startsWith('/login?')) return '/'
  return path
}

/**
 * Wires the API's auth hooks to the router: a 401 sends the user to the login screen,
 * keeping where they were as `next`; a fresh `/auth/me` (after a 403) updates the role.
 */
export function installAuth(router: Router) {
  configureAuth({
    onUnauthorized: () => {
      signedOut()
      const current = router.currentRoute.value
      if (current.name === 'login') return
      router.replace({ name: 'login', query: { next: current.fullPath } })
    },
    onSession: setSession,
  })
}

/** The router guard: with authentication on and nobody logged in, every page but /login goes there. */
export async function authGuard(to: RouteLocationNormalized): Promise<true | string | RouteLocationRaw> {
  try {
    await ensureLoaded()
  } catch {
    // The server cannot be reached: let the page show that rather than a login screen.
    return true
  }
  const needsLogin = authEnabled.value === true && !user.value
  if (to.name === 'login') {
    if (needsLogin) return true
    return safeNext(to.query.next)
  }
  if (needsLogin) return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
  return true
}

/** For tests: forget who is logged in. */
export function resetAuth() {
  user.value = null
  authEnabled.value = null
  loading = null
  setCsrfToken(null)
}
