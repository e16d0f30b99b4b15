import type { ServerResponse } from 'node:http'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { saveRule } from '../../src/access/save-rule.js'
import { botApiLimits } from '../../src/bot/api-gate.js'
import { createJobsApi } from '../../src/bot/bot.js'
import { botJobHandlers, botRetryAfter } from '../../src/bot/jobs/index.js'
import { JobRunner } from '../../src/jobs/runner.js'
import { startEmulator } from '../support/emulator.js'
import { TEST_BOT_TOKEN } from '../support/site.js'
import { openTestStore } from '../support/store.js'

/**
 * The Bot API misbehaves for a while (hangs, a flood wait, 5xx) while the bot has invites to
 * send: the queue must neither stall nor hammer Telegram, and every invite must go out.
 */

type Fault = 'hang' | 'flood' | 'bad-gateway'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const logger = pino({ level: 'silent' })

async function scene(fault: Fault, windowMs: number, members = 20) {
  const hung: ServerResponse[] = []
  const seen = { calls: 0, faulted: 0 }
  let faultUntil = 0
  const tg = await startEmulator({}, (app) => {
    app.use('/sandbox/api', (req, res, next) => {
      if (!req.path.endsWith('/sendMessage')) {
        next()
        return
      }
      seen.calls++
      if (Date.now() >= faultUntil) {
        next()
        return
      }
      seen.faulted++
      if (fault === 'hang') {
        hung.push(res)
      } else if (fault === 'flood') {
        res.status(429).json({
          ok: false,
          error_code: 429,
          description: 'Too Many Requests: retry after 1',
          parameters: { retry_after: 1 },
        })
      } else {
        res.status(502).json({ ok: false, error_code: 502, description: 'Bad Gateway' })
      }
    })
  })
  cleanups.push(async () => {
    for (const res of hung) res.destroy()
    await tg.close()
  })
  const t = openTestStore(Date.now())
  cleanups.push(() => t.close())
  const users = Array.from({ length: members }, (_, i) => tg.emulator.createUser({ firstName: `M${String(i)}` }))
  for (const user of users) {
    await tg.emulator.sendText(user.id, '/start')
    await t.store.members.recordBotContact(
      { telegramId: user.id, firstName: user.firstName, lastName: null, username: null },
      Date.now(),
    )
  }
  const group = tg.emulator.createSupergroup({ title: 'Inner circle' })
  tg.emulator.setBotAdmin(group.id, { can_invite_users: true, can_restrict_members: true })
  const chat = await t.store.chats.create('Inner circle', '', Date.now())
  await t.store.chats.markActive(chat.id, group.id, Date.now())
  await t.store.chats.setInviteLink(chat.id, 'https://t.me/+faults', Date.now())

  const limits = botApiLimits(t.store.holds, logger)
  const runner = new JobRunner({
    owner: 'bot',
    jobs: t.store.jobs,
    handlers: botJobHandlers({
      api: createJobsApi({
        config: { botToken: TEST_BOT_TOKEN, telegramApiRoot: tg.apiRoot, botApiTimeoutSeconds: 1 },
        store: t.store,
        logger,
        limits,
      }),
      store: t.store,
      logger,
      publicUrl: 'http://127.0.0.1',
    }),
    logger,
    retryAfterOf: botRetryAfter,
    holdUntil: () => limits.hold.until(),
    perSecond: 25,
    backoffBaseMs: 300,
    idleMs: 50,
  })
  cleanups.push(() => runner.stop())

  const invited = () =>
    users.filter((u) => tg.emulator.chatHistory(u.id).some((m) => m.text?.includes('opens the private chat'))).length
  return {
    seen,
    invited,
    start: async () => {
      faultUntil = Date.now() + windowMs
      await saveRule(t.store, {
        rule: { groupId: null, chatId: chat.id, minKarma: 0, removeBelow: null },
        actor: 'test',
        now: Date.now(),
      })
      runner.start()
    },
    members,
  }
}

async function allInvited(s: Awaited<ReturnType<typeof scene>>, timeoutMs: number): Promise<number> {
  const started = Date.now()
  while (s.invited() < s.members) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`only ${String(s.invited())} invited in ${String(timeoutMs)} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return Date.now() - started
}

describe('the Bot API misbehaving while invites go out', () => {
  it('hanging: calls time out and are retried, the queue never stalls, every invite goes out', async () => {
    const s = await scene('hang', 2000)
    await s.start()
    const took = await allInvited(s, 20_000)
    process.stdout.write(`hang of 2 s (1 s deadline): ${String(s.members)} invites in ${String(took)} ms\n`)
    expect(s.seen.faulted).toBeGreaterThan(0)
  })

  it('a flood wait: the whole bot waits; few calls are refused; then the queue drains', async () => {
    const s = await scene('flood', 1500)
    await s.start()
    const took = await allInvited(s, 20_000)
    process.stdout.write(
      `flood wait of 1.5 s: ${String(s.seen.faulted)} calls answered 429, all in ${String(took)} ms\n`,
    )
    expect(s.seen.faulted).toBeGreaterThan(0)
    // The first 429 holds every call: at most the calls already in flight get one too, and a probe.
    expect(s.seen.faulted).toBeLessThanOrEqual(10)
  })

  it('5xx in a row: the circuit opens instead of hammering, then every invite goes out', async () => {
    const s = await scene('bad-gateway', 1500)
    await s.start()
    const took = await allInvited(s, 30_000)
    process.stdout.write(`502 for 1.5 s: ${String(s.seen.faulted)} calls answered 502, all in ${String(took)} ms\n`)
    expect(s.seen.faulted).toBeGreaterThan(0)
    expect(s.seen.faulted).toBeLessThanOrEqual(12)
  })
})
