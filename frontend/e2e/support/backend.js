/**
 * Starts a real tickwork server for the end-to-end tests: a free port on 127.0.0.1,
 * a fresh data directory, and the web page the server serves from its package.
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

export async function startBackend({ timeoutMs = 30_000 } = {}) {
  const bin = process.env.TICKWORK_BIN || DEFAULT_BIN
  if (!process.env.TICKWORK_BIN && !existsSync(bin)) {
    throw new Error(`${bin} does not exist: install the backend first (make install)`)
  }
  if (!existsSync(WEBUI_INDEX)) {
    throw new Error(`${WEBUI_INDEX} is missing: build the web page first (npm run build)`)
  }
  const port = await freePort()
  const dataDir = await mkdtemp(join(tmpdir(), 'tickwork-e2e-'))
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir]
  const child = spawn(bin, args, { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  let exited = null
  const exit = new Promise((resolveExit) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal }
      resolveExit(exited)
    })
    child.on('error', (error) => {
      exited = { error: error.message }
      resolveExit(exited)
    })
  })

  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (exited) throw new Error(`tickwork serve exited (${JSON.stringify(exited)}):\n${output}`)
    try {
      const response = await fetch(`${url}/api/v1/schedules/status`)
      if (response.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`tickwork serve did not answer within ${timeoutMs} ms:\n${output}`)
    }
    await sleep(200)
  }

  async function api(method, path, body) {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : null }
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

  return { url, port, dataDir, api, stop, output: () => output }
}
