import { statSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { openStore, type Store } from '../../src/db/store.js'
import { JobRunner } from '../../src/jobs/runner.js'
import { startWorkerProcess } from '../../src/processes/worker.js'
import { workerRetryAfter } from '../../src/worker/errors.js'
import { workerJobHandlers } from '../../src/worker/jobs/index.js'
import { MtcuteAccount } from '../../src/worker/mtcute-account.js'
import { emulateChats, type EmulatedChats, rpcError, SELF, stubClient } from '../support/mtcute-stub.js'
import { queuedJobs, type TestStore, testStores } from '../support/store.js'
import { AccountHold } from '../../src/jobs/hold.js'

const logger = pino({ level: 'silent' })
const newStore = testStores()

async function addPendingChat(t: TestStore, title = 'Inner circle'): Promise<number> {
  const chat = await t.store.chats.create(title, 'For the best', t.now())
  await t.store.jobs.enqueue(
    { kind: 'chat.create', owner: 'worker', payload: { chatId: chat.id }, dedupeKey: `chat.create:${String(chat.id)}` },
    t.now(),
  )
  return chat.id
}

function worker(
  t: TestStore,
  store: Store = t.store,
  options: { chats?: EmulatedChats; chatsPerDay?: number; hold?: AccountHold } = {},
) {
  const { stub, tg } = stubClient()
  const chats = emulateChats(stub, options.chats)
  const runner = new JobRunner({
    owner: 'worker',
    jobs: store.jobs,
    handlers: workerJobHandlers({
      store,
      account: new MtcuteAccount(tg),
      botUsername: 'karmagate_bot',
      logger,
      clock: () => t.now(),
      ...(options.chatsPerDay !== undefined ? { chatsPerDay: options.chatsPerDay } : {}),
      ...(options.hold ? { hold: options.hold } : {}),
    }),
    logger,
    retryAfterOf: workerRetryAfter,
    clock: () => t.now(),
    random: () => 0,
  })
  return { stub, tg, chats, runner }
}

function jobRow(t: TestStore) {
  return t.db
    .prepare<[string], { state: string; attempts: number; run_after: number; last_error: string | null }>(
      'SELECT state, attempts, run_after, last_error FROM jobs WHERE kind = ? ORDER BY id DESC LIMIT 1',
    )
    .get('chat.create')
}

describe('chat.create on the mtcute account', () => {
  it('creates the supergroup, promotes the bot, records the chat and queues its link', async () => {
    const t = newStore()
    const chatId = await addPendingChat(t)
    const w = worker(t)
    expect(await w.runner.runOnce()).toBe(true)
    expect(w.stub.methods()).toEqual([
      'messages.getDialogs',
      'channels.createChannel',
      'contacts.resolveUsername',
      'channels.inviteToChannel',
      'channels.editAdmin',
    ])
    expect(await t.store.chats.findById(chatId)).toMatchObject({ state: 'active', telegramChatId: -1000000005000 })
    expect(queuedJobs(t)).toContainEqual(['chat.link', { chatId }])
    expect(await t.store.workerState.chatsCreatedSince(0)).toMatchObject({ count: 1 })
    await w.tg.destroy()
  })

  it('after a crash between creating and recording, the retry finds the chat and makes no second one', async () => {
    const t = newStore()
    const chatId = await addPendingChat(t)
    // The first process got as far as Telegram creating the chat, then died.
    const crashed = worker(t)
    const made = await new MtcuteAccount(crashed.tg).createSupergroup({
      chatId,
      title: 'Inner circle',
      description: 'For the best',
    })
    await crashed.tg.destroy()
    // A new process, a new client (an empty peer cache), the same Telegram.
    const restarted = worker(t, t.store, { chats: crashed.chats })
    expect(await restarted.runner.runOnce()).toBe(true)
    expect(restarted.stub.methods()).not.toContain('channels.createChannel')
    expect(restarted.chats.channels).toHaveLength(1)
    expect(await t.store.chats.findById(chatId)).toMatchObject({ state: 'active', telegramChatId: made.telegramChatId })
    expect(jobRow(t)?.state).toBe('done')
    await restarted.tg.destroy()
  })

  it('a retry after the chat was recorded only promotes, even with a new session (empty peer cache)', async () => {
    const t = newStore()
    const chatId = await addPendingChat(t)
    const first = worker(t)
    first.stub.respondWith('channels.editAdmin', () => {
      throw rpcError(500, 'INTERNAL_SERVER_ERROR')
    })
    await first.runner.runOnce()
    expect(await t.store.chats.findById(chatId)).toMatchObject({ state: 'active', telegramChatId: -1000000005000 })
    await first.tg.destroy()
    t.advance(3_600_000)
    const second = worker(t, t.store, { chats: first.chats })
    expect(await second.runner.runOnce()).toBe(true)
    // resolveChannel misses the cache, mtcute's lookup without an access hash fails, dialogs fill it.
    expect(second.stub.methods()).toEqual([
      'channels.getChannels',
      'messages.getDialogs',
      'contacts.resolveUsername',
      'channels.inviteToChannel',
      'channels.editAdmin',
    ])
    expect(jobRow(t)?.state).toBe('done')
    expect(await t.store.workerState.chatsCreatedSince(0)).toMatchObject({ count: 1 })
    await second.tg.destroy()
  })

  it('FLOOD_WAIT_X reschedules the job for X seconds, uncharged, and that survives a restart', async () => {
    const t = newStore()
    const chatId = await addPendingChat(t)
    const first = worker(t)
    first.stub.respondWith('channels.createChannel', () => {
      throw rpcError(420, 'FLOOD_WAIT_120')
    })
    const start = t.now()
    expect(await first.runner.runOnce()).toBe(true)
    expect(jobRow(t)).toMatchObject({ state: 'queued', attempts: 0, run_after: start + 120_000 })
    expect(jobRow(t)?.last_error).toMatch(/FLOOD_WAIT_120/)
    expect((await t.store.workerState.read()).lastError).toMatch(/FLOOD_WAIT_120/)
    await first.tg.destroy()
    await t.store.close()

    // Restart: a new store over the same file, a new runner.
    const { store } = await openStore({ databasePath: t.dbPath, clock: () => t.now() })
    try {
      const second = worker(t, store)
      t.advance(119_000)
      expect(await second.runner.runOnce()).toBe(false)
      t.advance(1_000)
      expect(await second.runner.runOnce()).toBe(true)
      expect(jobRow(t)?.state).toBe('done')
      expect(await store.chats.findById(chatId)).toMatchObject({ state: 'active' })
      await second.tg.destroy()
    } finally {
      await store.close()
    }
  })

  it('FLOOD_WAIT_X holds the whole account, in every process: other jobs wait without calling Telegram', async () => {
    const t = newStore()
    await addPendingChat(t, 'First')
    await addPendingChat(t, 'Second')
    const hold = new AccountHold(t.store.holds, 'worker', { logger, clock: () => t.now() })
    const w = worker(t, t.store, { hold })
    let creations = 0
    w.stub.respondWith('channels.createChannel', () => {
      creations++
      throw rpcError(420, 'FLOOD_WAIT_60')
    })
    await w.runner.runOnce()
    expect(hold.until()).toBe(t.now() + 60_000)
    // Another worker process sees the hold in the store.
    expect(await t.store.holds.get('worker')).toMatchObject({ until: t.now() + 60_000, reason: 'FLOOD_WAIT_60' })
    // The second chat's job is refused here, uncharged, without a call.
    await w.runner.runOnce()
    expect(creations).toBe(1)
    expect(jobRow(t)).toMatchObject({ state: 'queued', attempts: 0 })
    await w.tg.destroy()
  })

  it('PEER_FLOOD pauses the worker for a day, visibly, and later jobs wait without calling Telegram', async () => {
    const t = newStore()
    await addPendingChat(t, 'First')
    const w = worker(t)
    w.stub.respondWith('channels.createChannel', () => {
      throw rpcError(400, 'PEER_FLOOD')
    })
    const start = t.now()
    await w.runner.runOnce()
    const state = await t.store.workerState.read()
    expect(state).toMatchObject({ pauseReason: 'PEER_FLOOD', pausedUntil: start + 86_400_000 })
    expect(state.lastError).toMatch(/PEER_FLOOD/)
    expect(jobRow(t)).toMatchObject({ state: 'queued', attempts: 0, run_after: start + 86_400_000 })

    await addPendingChat(t, 'Second')
    const before = w.stub.calls.length
    t.advance(60_000)
    expect(await w.runner.runOnce()).toBe(true)
    expect(w.stub.calls.length).toBe(before)
    expect(jobRow(t)).toMatchObject({ state: 'queued', attempts: 0, run_after: start + 86_400_000 })
    expect(jobRow(t)?.last_error).toMatch(/WorkerPausedError: worker paused until/)

    // USER_RESTRICTED is the same kind of limit (once the jobs are due again).
    await t.store.workerState.setPause(null, null)
    t.advance(86_400_000)
    w.stub.respondWith('channels.createChannel', () => {
      throw rpcError(400, 'USER_RESTRICTED')
    })
    expect(await w.runner.runOnce()).toBe(true)
    expect((await t.store.workerState.read()).pauseReason).toBe('USER_RESTRICTED')
    await w.tg.destroy()
  })

  it('creates at most CHATS_PER_DAY chats per rolling 24 h; the next waits for a slot', async () => {
    const t = newStore()
    for (const title of ['A', 'B', 'C']) await addPendingChat(t, title)
    const w = worker(t, t.store, { chatsPerDay: 2 })
    const start = t.now()
    await w.runner.runOnce()
    t.advance(3_600_000)
    await w.runner.runOnce()
    await w.runner.runOnce()
    expect(w.chats.channels.map((c) => c.channel.title)).toEqual(['A', 'B'])
    expect(jobRow(t)).toMatchObject({ state: 'queued', attempts: 0, run_after: start + 86_400_000 })
    t.advance(86_400_000 - 3_600_000)
    expect(await w.runner.runOnce()).toBe(true)
    expect(w.chats.channels.map((c) => c.channel.title)).toEqual(['A', 'B', 'C'])
    await w.tg.destroy()
  })
})

describe('the worker process', () => {
  it('records who is logged in, runs chat.create, keeps the session file 0600, and stops cleanly', async () => {
    const t = newStore()
    const chatId = await addPendingChat(t)
    const sessionPath = join(t.dbPath, '..', 'worker.session')
    const config = loadConfig({
      DATABASE_PATH: t.dbPath,
      WORKER_SESSION_PATH: sessionPath,
      BOT_USERNAME: 'karmagate_bot',
      TG_API_ID: '12345',
      TG_API_HASH: '0123456789abcdef0123456789abcdef',
    })
    const { stub, tg } = stubClient()
    emulateChats(stub)
    stub.respondWith('users.getUsers', () => [SELF])
    const running = await startWorkerProcess(config, logger, { client: tg, idleMs: 20, clock: () => t.now() })
    try {
      expect(running.user).toEqual({ id: SELF.id, name: 'Worker', username: 'kg_worker' })
      expect(await running.store.workerState.read()).toMatchObject({
        userId: SELF.id,
        userName: '@kg_worker',
        lastSeenAt: Math.floor(t.now() / 1000) * 1000,
      })
      expect(statSync(sessionPath).mode & 0o777).toBe(0o600)
      await expect.poll(async () => (await t.store.chats.findById(chatId))?.state, { timeout: 5000 }).toBe('active')
    } finally {
      await running.stop()
    }
  })
})
