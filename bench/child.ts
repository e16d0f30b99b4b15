/**
 * The server process's side of the benchmarks' protocol (`servers.ts`, `webhook-servers.ts`):
 * listen on an ephemeral port of 127.0.0.1 only, report it over IPC, answer the parent's
 * questions (`{ type: 'usage' }`: CPU time and requests so far; others per target), and on
 * `{ type: 'stop' }` (or when the parent goes away) close, release what the target holds and
 * exit normally, so `--cpu-prof` can write its profile.
 */
import { once } from 'node:events'
import type { RequestListener, Server } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isStopMessage, isUsageRequest, type ListeningMessage, type UsageReport } from './common.js'

/** One server target, built in the child. */
export interface Built {
  /** The request handler (an Express app). */
  readonly app: RequestListener
  /** Releases what the target holds besides its server (database, temp folder). */
  readonly dispose: () => void | Promise<void>
  /** Answers a message from the parent other than `stop`; ignores messages not meant for it. */
  readonly onMessage?: (message: unknown, send: (reply: object) => void) => void
}

/**
 * Builds the target named by `process.argv[2]` (one of `targets`) and serves it until the
 * parent says stop. `script` names the file in error messages.
 */
export function runServerChild<T extends string>(
  script: string,
  targets: readonly T[],
  build: (target: T) => Built | Promise<Built>,
): void {
  main(script, targets, build).catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}

async function main<T extends string>(
  script: string,
  targets: readonly T[],
  build: (target: T) => Built | Promise<Built>,
): Promise<void> {
  if (process.send === undefined) throw new Error(`${script} is started by a benchmark script (needs an IPC channel)`)
  const send = process.send.bind(process)
  const target = targets.find((t) => t === process.argv[2])
  if (target === undefined) throw new Error(`usage: ${script} ${targets.join('|')}`)
  const built = await build(target)
  const server: Server = createServer(built.app)
  let requests = 0
  server.on('request', () => {
    requests++
  })
  server.listen(0, '127.0.0.1')
  try {
    await once(server, 'listening')
  } catch (error) {
    await built.dispose()
    throw error
  }

  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    server.closeAllConnections()
    server.close(() => {
      void Promise.resolve(built.dispose()).finally(() => {
        // A normal exit (not a signal) so --cpu-prof writes its profile.
        process.exit(0)
      })
    })
  }
  process.on('message', (message: unknown) => {
    if (isStopMessage(message)) {
      stop()
    } else if (isUsageRequest(message)) {
      const { user, system } = process.cpuUsage()
      const report: UsageReport = { type: 'usage-report', userUs: user, systemUs: system, requests }
      send(report)
    } else {
      built.onMessage?.(message, (reply) => {
        send(reply)
      })
    }
  })
  // If the parent dies, do not linger holding a port and a temp database.
  process.on('disconnect', stop)

  const message: ListeningMessage = { type: 'listening', port: (server.address() as AddressInfo).port }
  send(message)
}
