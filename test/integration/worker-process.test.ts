import { existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/store.js'
import { runScript, WORKER_PROCESS_SCRIPT } from '../support/cli.js'
import { tempDir, TEST_BOT_TOKEN, TEST_SESSION_SECRET } from '../support/site.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** A database with one chat waiting for the worker, and the env of a worker process over it. */
async function setUp(): Promise<{ dir: string; dbPath: string; chatId: number; env: Record<string, string> }> {
  const tmp = tempDir('karmagate-worker-')
  cleanups.push(tmp.remove)
  const dbPath = join(tmp.dir, 'karmagate.db')
  const { store } = await openStore({ databasePath: dbPath })
  const chat = await store.chats.create('Inner circle', 'For the best', Date.now())
  await store.jobs.enqueue(
    { kind: 'chat.create', owner: 'worker', payload: { chatId: chat.id }, dedupeKey: `chat.create:${String(chat.id)}` },
    Date.now(),
  )
  await store.close()
  const env = {
    BOT_TOKEN: TEST_BOT_TOKEN,
    BOT_USERNAME: 'karmagate_bot',
    SESSION_SECRET: TEST_SESSION_SECRET,
    DATABASE_PATH: dbPath,
    WORKER_SESSION_PATH: join(tmp.dir, 'worker.session'),
    LOG_LEVEL: 'debug',
    // Never Telegram: a port where nothing listens.
    TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
  }
  return { dir: tmp.dir, dbPath, chatId: chat.id, env }
}

interface LogLine {
  msg: string
  signal?: string
}

function logLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine)
}

function readBack(dbPath: string) {
  const db = new Database(dbPath, { readonly: true })
  try {
    return {
      job: db
        .prepare<[], { state: string; attempts: number; run_after: number; last_error: string | null }>(
          "SELECT state, attempts, run_after, last_error FROM jobs WHERE kind = 'chat.create'",
        )
        .get(),
      chat: db
        .prepare<[], { state: string; telegram_chat_id: number | null }>('SELECT state, telegram_chat_id FROM chats')
        .get(),
    }
  } finally {
    db.close()
  }
}

describe('the worker process (real process, stubbed mtcute client)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s, finishes the job in flight, closes the database and exits 0',
    async (signal) => {
      const { dir, dbPath, env } = await setUp()
      const proc = runScript(WORKER_PROCESS_SCRIPT, [], env, dir)
      cleanups.push(() => proc.child.kill('SIGKILL'))
      await proc.waitFor(/"worker running"/)
      await proc.waitFor(/stub: channels\.createChannel in flight/)
      proc.child.kill(signal)
      expect(await proc.exited).toBe(0)

      const msgs = logLines(proc.stdout).map((l) => l.msg)
      const at = (msg: string) => msgs.indexOf(msg)
      // The shutdown began while the call was held, waited for the job, and only then stopped.
      expect(logLines(proc.stdout).find((l) => l.msg === 'stopping')).toMatchObject({ signal })
      expect(at('stub: channels.createChannel in flight')).toBeLessThan(at('stopping'))
      expect(at('stopping')).toBeLessThan(at('stub: channels.createChannel answering'))
      expect(at('stub: channels.createChannel answering')).toBeLessThan(at('job done'))
      expect(at('job done')).toBeLessThan(at('stopped'))
      expect(msgs.at(-1)).toBe('stopped')
      // A clean close of the last connection checkpoints the WAL and removes it.
      expect(existsSync(`${dbPath}-wal`)).toBe(false)
      const { job, chat } = readBack(dbPath)
      expect(job?.state).toBe('done')
      expect(chat).toEqual({ state: 'active', telegram_chat_id: -1000000005000 })
    },
  )

  it('a job whose call fails during the shutdown goes back to the queue, not lost', async () => {
    const { dir, dbPath, env } = await setUp()
    const proc = runScript(WORKER_PROCESS_SCRIPT, [], { ...env, STUB_AFTER_SIGNAL: 'flood' }, dir)
    cleanups.push(() => proc.child.kill('SIGKILL'))
    await proc.waitFor(/stub: channels\.createChannel in flight/)
    const signalledAt = Math.floor(Date.now() / 1000)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    expect(logLines(proc.stdout).map((l) => l.msg)).toEqual(
      expect.arrayContaining(['job postponed: Telegram asked to wait', 'stopped']),
    )
    expect(existsSync(`${dbPath}-wal`)).toBe(false)
    const { job, chat } = readBack(dbPath)
    // FLOOD_WAIT_600: queued again for ten minutes on, without charging an attempt.
    expect(job).toMatchObject({ state: 'queued', attempts: 0 })
    expect(job?.last_error).toMatch(/FLOOD_WAIT_600/)
    expect(Math.floor(job!.run_after / 1000)).toBeGreaterThanOrEqual(signalledAt + 600)
    expect(chat?.state).toBe('pending')
  })
})
