import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { textUpdate } from '../support/updates.js'
import { startEmulator, type TestEmulator } from '../support/emulator.js'
import { tempDir } from '../support/site.js'
import { freePort, startTestWebProcess, type TestWebProcess } from '../support/web-process.js'

const BOT_TOKEN = '7000002:AAbotTOKENforADMINtestsONLYnotREAL'
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function telegram(): Promise<TestEmulator> {
  const tg = await startEmulator({
    botToken: BOT_TOKEN,
    botUsername: 'karmagate_admin_bot',
    limits: { messagesPerChatPerSecond: 30 },
  })
  cleanups.push(() => tg.close())
  return tg
}

async function web(tg: TestEmulator, adminId: number, dbPath?: string): Promise<TestWebProcess> {
  const port = await freePort()
  const w = await startTestWebProcess(
    {
      BOT_TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      ADMIN_TELEGRAM_IDS: String(adminId),
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${String(port)}`,
    },
    dbPath ? { dbPath } : {},
  )
  await w.botStarted
  return w
}

/** Sends text as `userId` and waits for the bot's next `count` replies; resolves to their text. */
async function say(tg: TestEmulator, userId: number, text: string, count = 1): Promise<string> {
  const sent = await tg.emulator.sendText(userId, text)
  const replies = () =>
    tg.emulator.chatHistory(userId).filter((m) => m.from?.is_bot === true && m.message_id > sent.message_id)
  await tg.emulator.waitForBotMessage(userId, () => replies().length >= count, 5000)
  return replies()
    .slice(0, count)
    .map((m) => m.text ?? '')
    .join('\n')
}

describe('admin commands in the bot', () => {
  it('/karma @user +10 reason adjusts karma once, even if Telegram delivers the update twice', async () => {
    const tg = await telegram()
    const admin = tg.emulator.createUser({ firstName: 'Admin' })
    const ada = tg.emulator.createUser({ firstName: 'Ada', username: 'ada_l' })
    const w = await web(tg, admin.id)
    cleanups.push(() => w.close())
    await say(tg, ada.id, '/start')
    expect(await say(tg, admin.id, '/karma @ada_l +10 helpful answer')).toBe('Karma +10 for @ada_l: now 10.')
    expect(await say(tg, admin.id, `/karma ${String(ada.id)} -3 off topic`)).toContain('now 7')
    expect(await say(tg, admin.id, '/karma @nobody_here +1 x')).toContain('I do not know @nobody_here')
    expect(await say(tg, admin.id, '/karma @ada_l ten points')).toMatch(/^Usage/)
    expect(await say(tg, ada.id, '/karma @ada_l +1000 me')).toBe("This command is for the site's admins.")
    // The same update twice (Telegram redelivers after a timeout): applied once.
    const update = textUpdate({ id: admin.id, first_name: 'Admin' }, '/karma @ada_l +5 duplicate delivery', 999_001)
    await w.bot.handleUpdate(update)
    await w.bot.handleUpdate(update)
    const member = await w.store.members.findByTelegramId(ada.id)
    expect(member?.karma).toBe(12)
    expect(await w.store.karma.ledgerSum(member!.id)).toBe(12)
  })

  it('/rules creates a rule in a conversation that survives a restart', async () => {
    const tg = await telegram()
    const admin = tg.emulator.createUser({ firstName: 'Admin' })
    const tmp = tempDir()
    cleanups.push(tmp.remove)
    const dbPath = join(tmp.dir, 'karmagate.db')

    const first = await web(tg, admin.id, dbPath)
    expect(await say(tg, admin.id, '/rules')).toContain('(no rules yet)')
    expect(await say(tg, admin.id, 'new')).toContain('Which chat?')
    expect(await say(tg, admin.id, 'Inner circle')).toContain('For which group?')
    await first.stop()

    // A new process over the same database picks the conversation up where it was.
    const second = await web(tg, admin.id, dbPath)
    cleanups.push(() => second.close())
    expect(await say(tg, admin.id, '7', 2)).toMatch(/^Send a number from 1 to 2 or all\.\nFor which group\?/)
    expect(await say(tg, admin.id, 'all')).toBe('Minimum karma to get in?')
    expect(await say(tg, admin.id, 'lots', 2)).toBe('Send a whole number.\nMinimum karma to get in?')
    expect(await say(tg, admin.id, '100')).toContain('Remove members whose karma falls below?')
    expect(await say(tg, admin.id, '150')).toContain('Not saved: "Remove below" cannot be above the minimum karma')
    expect(await second.store.rules.list()).toEqual([])

    await say(tg, admin.id, '/rules')
    await say(tg, admin.id, 'new')
    await say(tg, admin.id, '1') // the chat made above
    await say(tg, admin.id, 'all')
    await say(tg, admin.id, '100')
    expect(await say(tg, admin.id, '50')).toMatch(/^Saved\./)
    const rules = await second.store.rules.list()
    expect(rules).toEqual([expect.objectContaining({ groupId: null, minKarma: 100, removeBelow: 50, enabled: true })])
    expect(
      (await second.store.audit.recent(5)).some(
        (e) => e.action === 'rule.create' && e.actor === `admin:${String(admin.id)}`,
      ),
    ).toBe(true)
    // The new chat's creation is queued for the worker.
    expect((await second.store.jobs.recent(10)).some((j) => j.kind === 'chat.create')).toBe(true)
  })

  it('/rules is refused to members who are not admins, and /cancel leaves everything as it was', async () => {
    const tg = await telegram()
    const admin = tg.emulator.createUser({ firstName: 'Admin' })
    const ada = tg.emulator.createUser({ firstName: 'Ada' })
    const w = await web(tg, admin.id)
    cleanups.push(() => w.close())
    expect(await say(tg, ada.id, '/rules')).toBe("This command is for the site's admins.")
    await say(tg, admin.id, '/rules')
    expect(await say(tg, admin.id, '/cancel')).toContain('Cancelled')
    expect(await say(tg, admin.id, '/help')).toContain('/start')
  })
})
