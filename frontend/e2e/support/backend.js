/**
 * Starts a real tickwork server for the end-to-end tests: a free port on 127.0.0.1,
 * a fresh data directory, and the web page the server serves from its package.
 * Given users, it adds them with the CLI before the server starts, so authentication
 * is on from the first request.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const FRONTEND_DIR = resolve(here, '../..')
export const REPO_DIR = resolve(FRONTEND_DIR, '..')
const DEFAULT_BIN = join(REPO_DIR, '.venv/bin/tickwork')
const WEBUI_INDEX = join(REPO_DIR, 'src/tickwork/webui/index.html')

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolvePort(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** `tickwork user add NAME --role ROLE --password-stdin --data-dir DIR`. */
function addUser(bin, dataDir, { username, role, password }) {
  return new Promise((resolveAdd, reject) => {
    const args = ['user', 'add', username, '--role', role, '--password-stdin', '--data-dir', dataDir]
    const child = spawn(bin, args, { cwd: REPO_DIR, stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolveAdd() : reject(new Error(`tickwork user add ${username} failed (${code}):\n${output}`)),
    )
    child.stdin.end(`${password}\n`)
  })
}

/**
 * @param {{timeoutMs?: number, users?: {username: string, role: string, password: string}[], workflows?: string, maxConcurrentRuns?: number}} options
 *   workflows: a registry file instead of the demo one; maxConcurrentRuns: the server's limit on runs at once
 */
export async function startBackend({ timeoutMs = 30_000, users = [], workflows = null, maxConcurrentRuns = null } = {}) {
  const bin = process.env.TICKWORK_BIN || DEFAULT_BIN
  if (!process.env.TICKWORK_BIN && !existsSync(bin)) {
    throw new Error(`${bin} does not exist: install the backend first (make install)`)
  }
  if (!existsSync(WEBUI_INDEX)) {
    throw new Error(`${WEBUI_INDEX} is missing: build the web page first (npm run build)`)
  }
  const port = await freePort()
  const dataDir = await mkdtemp(join(tmpdir(), 'tickwork-e2e-'))
  for (const user of users) await addUser(bin, dataDir, user)
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir]
  if (workflows) args.push('--workflows', workflows)
  if (maxConcurrentRuns) args.push('--max-concurrent-runs', String(maxConcurrentRuns))
  const url = `http://127.0.0.1:${port}`
  let output = ''
  let child
  let exited
  let exit

  async function launch() {
    child = spawn(bin, args, { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] })
    exited = null
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-20_000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    exit = new Promise((resolveExit) => {
      child.on('exit', (code, signal) => {
        exited = { code, signal }
        resolveExit(exited)
      })
      child.on('error', (error) => {
        exited = { error: error.message }
        resolveExit(exited)
      })
    })

    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (exited) throw new Error(`tickwork serve exited (${JSON.stringify(exited)}):\n${output}`)
      try {
        const response = await fetch(`${url}/api/v1/schedules/status`)
        // 401: up, and asking for credentials (users were added).
        if (response.ok || response.status === 401) break
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`tickwork serve did not answer within ${timeoutMs} ms:\n${output}`)
      }
      await sleep(200)
    }
  }
  await launch()

  /** Ends the server at once, as a crash would; the data directory stays for `restart`. */
  async function kill() {
    if (exited) return
    child.kill('SIGKILL')
    await exit
  }

  /** The server again, on the same port and data directory. */
  async function restart() {
    await kill()
    await launch()
  }

  async function call(method, path, body, headers = {}) {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : null, response }
  }

  const api = async (method, path, body) => {
    const { status, body: data } = await call(method, path, body)
    return { status, body: data }
  }

  /** An `api` that logs in first and then rides on the session cookie with its CSRF token. */
  async function apiAs(username, password) {
    const login = await call('POST', '/auth/login', { username, password })
    if (login.status !== 200) throw new Error(`login of ${username} failed: ${login.status}`)
    const cookie = login.response.headers.get('set-cookie').split(';')[0]
    const headers = { Cookie: cookie, 'X-CSRF-Token': login.body.csrf_token }
    return async (method, path, body) => {
      const { status, body: data } = await call(method, path, body, headers)
      return { status, body: data }
    }
  }

  async function stop() {
    if (exited) {
      // It should still be running: whatever ended it is worth reading.
      process.stderr.write(`tickwork serve had already exited (${JSON.stringify(exited)}):\n${output}\n`)
    } else {
      child.kill('SIGTERM')
      const stopped = await Promise.race([exit, sleep(10_000).then(() => null)])
      if (!stopped) {
        child.kill('SIGKILL')
        await exit
      }
    }
    await rm(dataDir, { recursive: true, force: true })
  }

  return { url, port, dataDir, api, apiAs, stop, kill, restart, output: () => output }
}
