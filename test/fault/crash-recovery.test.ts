import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { saveRule } from '../../src/access/save-rule.js'
import { openSqliteStore } from '../../src/db/sqlite/store.js'
import type { EmulatedMessage } from '../../src/sandbox/chats.js'
import { runCli, type CliProcess } from '../support/cli.js'
import { startEmulator, type TestEmulator } from '../support/emulator.js'
import { tempDir, TEST_BOT_TOKEN, TEST_SESSION_SECRET } from '../support/site.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const MEMBERS = 40
const isInvite = (m: EmulatedMessage) => m.text?.includes('opens the private chat') === true

/** The web process over the emulator's Bot API, once its bot polls. */
async function web(env: Record<string, string>, dir: string): Promise<CliProcess> {
  const proc = runCli(['web'], env, dir)
  cleanups.push(() => proc.child.kill('SIGKILL'))
  await proc.waitFor(/bot polling started/, 30_000)
  return proc
}

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('the web process killed (SIGKILL) while it sends invites', () => {
  it('resumes within seconds of its restart; every member is invited, none more than twice', async () => {
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
    await until(() => invited() >= 8, 'the first invites')
    first.child.kill('SIGKILL')
    expect(await first.exited).toBe('SIGKILL')
    const beforeRestart = invited()

    const restartedAt = performance.now()
    await web(env, tmp.dir)
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
  }, 90_000)
})
