import { vi } from 'vitest'

/** A fetch Response carrying `body` as JSON (or no body at all). */
export function jsonResponse(status, body) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

/** Replace the global fetch with one answering `responses` in order; returns the mock. */
export function stubFetch(...responses) {
  const fetch = vi.fn()
  for (const response of responses) fetch.mockResolvedValueOnce(response)
  vi.stubGlobal('fetch', fetch)
  return fetch
}
