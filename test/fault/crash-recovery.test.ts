import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { saveRule } from '../../src/access/save-rule.js'
import { openSqliteStore } from '../../src/db/sqlite/store.js'
import type { EmulatedMessage } from '../../src/sandbox/chats.js'
import { signedLoginQuery } from '../../src/login/sign.js'
import { appendKarmaEvents } from '../../src/karma/append.js'
import { runCli, type CliProcess } from '../support/cli.js'
import { startEmulator, type TestEmulator } from '../support/emulator.js'
import { loginFields, tempDir, TEST_BOT_TOKEN, TEST_SESSION_SECRET } from '../support/site.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const MEMBERS = 40
const isInvite = (m: EmulatedMessage) => m.text?.includes('opens the private chat') === true

/** The web process over the emulator's Bot API, once its bot polls. */
async function web(env: Record<string, string>, dir: string): Promise<{ proc: CliProcess; url: string }> {
  const proc = runCli(['web'], env, dir)
  cleanups.push(() => proc.child.kill('SIGKILL'))
  const line = await proc.waitFor(/web process listening/, 30_000)
  await proc.waitFor(/bot polling started/, 30_000)
  return { proc, url: `http://127.0.0.1:${String((JSON.parse(line) as { port: number }).port)}` }
}

/**
 * Karma events and logins sent without pause until `stop()`; what the site acknowledged (201,
 * 302 with a session) is kept, to be found after the crash. Failures (the process died) are
 * expected and not kept.
 */
function load(url: string, apiKey: string, telegramIds: readonly number[]) {
  const acknowledged = { events: [] as { key: string; telegramId: number; delta: number }[], sessions: [] as string[] }
  const state = { running: true }
  let n = 0
  const events = (async () => {
    while (state.running) {
      const telegramId = telegramIds[n % telegramIds.length]!
      const key = `kill-${String(++n)}`
      const delta = (n % 7) + 1
      try {
        const res = await fetch(`${url}/api/v1/karma-events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ member: { telegramId }, delta, reason: 'load', idempotencyKey: key }),
        })
        if (res.status === 201) acknowledged.events.push({ key, telegramId, delta })
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
  })()
  const logins = (async () => {
    let i = 0
    while (state.running) {
      const query = signedLoginQuery(
        TEST_BOT_TOKEN,
        loginFields(Math.floor(Date.now() / 1000), { id: String(900_000 + ++i), first_name: `L${String(i)}` }),
      )
      try {
        const res = await fetch(`${url}/auth/telegram?${query}`, { redirect: 'manual' })
        const cookie = res.headers.get('set-cookie')?.split(';')[0]
        if (res.status === 302 && cookie !== undefined) acknowledged.sessions.push(cookie)
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
  })()
  return {
    acknowledged,
    stop: async () => {
      state.running = false
      await Promise.all([events, logins])
    },
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('the web process killed (SIGKILL) under karma events, logins and invites', () => {
  it('loses nothing it acknowledged, resumes within seconds of its restart, invites everyone once or twice', async () => {
    const tmp = tempDir('karmagate-kill-')
    cleanups.push(tmp.remove)
    const tg: TestEmulator = await startEmulator()
    cleanups.push(() => tg.close())
    const env = {
      BOT_TOKEN: TEST_BOT_TOKEN,
      BOT_USERNAME: 'karmagate_test_bot',
      SESSION_SECRET: TEST_SESSION_SECRET,
      DATABASE_PATH: join(tmp.dir, 'karmagate.db'),
      PORT: '0',
      TELEGRAM_API_ROOT: tg.apiRoot,
      BOT_MESSAGES_PER_SECOND: '20',
      LOG_LEVEL: 'info',
    }
    const first = await web(env, tmp.dir)
    const { store: keys } = openSqliteStore(env.DATABASE_PATH)
    const { secret } = await keys.apiKeys.create('load', Date.now())
    await keys.close()

    // Members who started the bot (so it may write to them), a chat the bot administers, a rule.
    const users = Array.from({ length: MEMBERS }, (_, i) => tg.emulator.createUser({ firstName: `M${String(i)}` }))
    for (const user of users) await tg.emulator.sendText(user.id, '/start')
    for (const user of users) await tg.emulator.waitForBotMessage(user.id, undefined, 10_000)
    const group = tg.emulator.createSupergroup({ title: 'Inner circle' })
    tg.emulator.setBotAdmin(group.id, { can_invite_users: true, can_restrict_members: true })
    const { store } = openSqliteStore(env.DATABASE_PATH)
    const chat = await store.chats.create('Inner circle', '', Date.now())
    await store.chats.markActive(chat.id, group.id, Date.now())
    await store.chats.setInviteLink(chat.id, 'https://t.me/+kill-test', Date.now())
    await saveRule(store, {
      rule: { groupId: null, chatId: chat.id, minKarma: 0, removeBelow: null },
      actor: 'test',
      now: Date.now(),
    })
    await store.close()

    const invitesTo = (userId: number) => tg.emulator.chatHistory(userId).filter(isInvite).length
    const invited = () => users.filter((u) => invitesTo(u.id) > 0).length
    const traffic = load(
      first.url,
      secret,
      users.map((u) => u.id),
    )
    await until(() => invited() >= 8, 'the first invites')
    first.proc.child.kill('SIGKILL')
    expect(await first.proc.exited).toBe('SIGKILL')
    await traffic.stop()
    const beforeRestart = invited()

    const restartedAt = performance.now()
    const second = await web(env, tmp.dir)
    await until(() => invited() > beforeRestart || invited() === MEMBERS, 'an invite after the restart')
    const resumedInMs = performance.now() - restartedAt
    await until(() => invited() === MEMBERS, 'every invite')
    process.stdout.write(
      `killed after ${String(beforeRestart)} invites; the queue moved again ${resumedInMs.toFixed(0)} ms after the restart began\n`,
    )

    const counts = users.map((u) => invitesTo(u.id))
    expect(Math.min(...counts)).toBe(1)
    expect(Math.max(...counts)).toBeLessThanOrEqual(2)
    // Duplicates come only from the invites in flight when it died: at most the runner's slots.
    expect(counts.filter((c) => c === 2).length).toBeLessThanOrEqual(4)
    // A restart's own start-up included (spawning tsx, migrations), well under the old 60 s lease.
    expect(resumedInMs).toBeLessThan(15_000)

    // Every karma event the site acknowledged is there, once; karma is the ledger's sum.
    const { acknowledged } = traffic
    expect(acknowledged.events.length).toBeGreaterThan(0)
    const { store: after } = openSqliteStore(env.DATABASE_PATH)
    cleanups.push(() => after.close())
    const replays = await appendKarmaEvents(
      after,
      { source: 'api', actor: 'check' },
      acknowledged.events.map((e) => ({
        member: { telegramId: e.telegramId },
        delta: e.delta,
        reason: 'load',
        idempotencyKey: e.key,
      })),
    )
    expect(replays.every((r) => r.replayed)).toBe(true)
    for (const user of users) {
      const member = (await after.members.findByTelegramId(user.id))!
      expect(member.karma).toBe(await after.karma.ledgerSum(member.id))
    }
    // Every login the site answered with a session still has it.
    expect(acknowledged.sessions.length).toBeGreaterThan(0)
    for (const cookie of acknowledged.sessions) {
      const me = await fetch(`${second.url}/me`, { headers: { cookie }, redirect: 'manual' })
      expect(me.status, cookie).toBe(200)
    }
    process.stdout.write(
      `acknowledged before the kill: ${String(acknowledged.events.length)} karma events, ${String(acknowledged.sessions.length)} logins; all found\n`,
    )
  }, 90_000)
})
