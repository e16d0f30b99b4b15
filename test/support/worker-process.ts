/**
 * TEST ONLY: the `worker` process as a real OS process, over a stubbed mtcute client.
 *
 * `node dist/cli.js worker` needs a logged-in Telegram account, and nothing here may reach
 * Telegram. This entry point runs the same code as that command after the client is built
 * (`runWorker`: startWorkerProcess, the job runner, the shutdown signals, their log lines and exit
 * codes) with configuration from the environment as `cli.ts` loads it, but passes a
 * `StubBaseClient` (on the worker's mtcute platform) logged in as `SELF` that answers `chat.create`'s calls like a small
 * Telegram (`emulateChats`). It is not reachable in production: it lives in test/, and the build
 * (tsconfig.build.json) compiles src/ only; no environment variable of the app selects it.
 *
 * To test a shutdown while a job is in flight, `channels.createChannel` is held: the process logs
 * `stub: channels.createChannel in flight`, waits for SIGTERM or SIGINT, then, 300 ms into the
 * shutdown, answers as `STUB_AFTER_SIGNAL` says: `answer` (default; the chat is made) or `flood`
 * (`FLOOD_WAIT_600`: the job goes back to the queue).
 *
 * Start it with `runScript(WORKER_PROCESS_SCRIPT, [], env, dir)` (test/support/cli.ts); never import it.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/log.js'
import { processIo } from '../../src/worker/cli/io.js'
import { runWorker } from '../../src/processes/worker-command.js'
import { routeMtcuteLogs } from '../../src/worker/mtcute-log.js'
import { WorkerPlatform } from '../../src/worker/platform.js'
import { emulateChats, rpcError, SELF, stubClient } from './mtcute-stub.js'

async function main(): Promise<number> {
  const config = loadConfig(process.env)
  const logger = createLogger(config)
  // The platform createWorkerClient gives the real client, so signals reach the worker as in production.
  const { stub, tg } = stubClient(new WorkerPlatform())
  routeMtcuteLogs(tg.log, logger)
  stub.respondWith('users.getUsers', () => [SELF])
  emulateChats(stub)
  // Listeners of our own, next to the worker's: both run when the signal comes.
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => {
      resolve('SIGTERM')
    })
    process.once('SIGINT', () => {
      resolve('SIGINT')
    })
  })
  stub.holdBefore('channels.createChannel', async () => {
    // A real call has a socket open meanwhile; without a handle Node would see nothing to wait for and exit.
    const socket = setInterval(() => undefined, 1000)
    try {
      logger.info({ part: 'test-stub' }, 'stub: channels.createChannel in flight')
      const signal = await signalled
      await sleep(300)
      logger.info({ part: 'test-stub', signal }, 'stub: channels.createChannel answering')
      if (process.env.STUB_AFTER_SIGNAL === 'flood') throw rpcError(420, 'FLOOD_WAIT_600')
    } finally {
      clearInterval(socket)
    }
  })
  return runWorker(config, logger, tg, processIo, { idleMs: 50 })
}

main().then(
  (code) => {
    if (code !== 0) process.exit(code)
  },
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`)
    process.exit(1)
  },
)
