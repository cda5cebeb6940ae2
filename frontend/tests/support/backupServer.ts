import { vi } from 'vitest'
import { jsonResponse } from './fetch'

type Answer = Response | (() => Response)

/**
 * A fetch standing in for the server's /backups routes: `GET /backups` answers `list` (a
 * function, so a test can change it), each `POST /backups/restore` the next of `restores`.
 * Every restore body is kept in `sent`, in order.
 */
export function stubBackupServer(list: () => unknown, ...restores: Answer[]) {
  const sent: { backup: string; dry_run: boolean }[] = []
  let lists = 0
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    const { pathname } = new URL(url, 'http://page')
    if (pathname === '/api/v1/backups' && (init.method ?? 'GET') === 'GET') {
      lists += 1
      return jsonResponse(200, list())
    }
    if (pathname === '/api/v1/backups/restore' && init.method === 'POST') {
      sent.push(JSON.parse(String(init.body)))
      const next = restores.shift()
      if (!next) throw new Error(`unexpected restore ${String(init.body)}`)
      return typeof next === 'function' ? next() : next
    }
    return jsonResponse(404, { error: 'not_found', message: `no route ${pathname}` })
  })
  vi.stubGlobal('fetch', fetch)
  return { fetch, sent, lists: () => lists }
}

export const COPIES = [
  { name: 'schedules.json', taken_at: '2026-12-03T12:04:15Z', schedules: 1 },
  { name: 'backups/schedules-20261203T120413032739Z.json', taken_at: '2026-12-03T12:04:13Z', schedules: 2 },
  { name: 'backups/schedules-20261203T110000000000Z.json', taken_at: '2026-12-03T11:00:00Z', schedules: null },
  { name: 'backups/orphaned-schedules-20261201T080000000000Z.json', taken_at: '2026-12-01T08:00:00Z', schedules: 0 },
]

export function planOf(backup: string, changes: Partial<Record<'added' | 'changed' | 'removed', string[]>> = {}, applied = false) {
  return { backup, applied, added: [], changed: [], removed: [], unchanged: 1, ...changes }
}
