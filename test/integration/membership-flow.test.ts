import { afterEach, describe, expect, it } from 'vitest'
import { saveRule } from '../../src/access/save-rule.js'
import type { TelegramEmulator } from '../../src/sandbox/emulator.js'
import { eventually, freePort, startTestWebProcess, type TestWebProcess } from '../support/web-process.js'
import { appendKarmaEvent } from '../../src/karma/append.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The sandbox web process: site, bot, job runners, the emulator and its emulated account. */
async function sandbox(): Promise<TestWebProcess & { tg: TelegramEmulator }> {
  const port = await freePort()
  const web = await startTestWebProcess({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${String(port)}`,
    BOT_MESSAGES_PER_SECOND: '30',
  })
  cleanups.push(() => web.close())
  await web.botStarted
  return Object.assign(web, { tg: web.emulator! })
}

let key = 0
async function karma(web: TestWebProcess, telegramId: number, delta: number): Promise<void> {
  await appendKarmaEvent(
    web.store,
    { source: 'admin', actor: 'test' },
    { member: { telegramId }, delta, reason: 'test', idempotencyKey: `flow-${String(++key)}` },
  )
  web.botJobs.poke()
}

/** A member who has started the bot (so it may write to them). */
async function member(web: TestWebProcess & { tg: TelegramEmulator }, firstName: string): Promise<number> {
  const user = web.tg.createUser({ firstName })
  await web.tg.sendText(user.id, '/start')
  await web.tg.waitForBotMessage(user.id)
  return user.id
}

/** A rule over a new chat; resolves once the emulated account created it and the bot has its link. */
async function ruleWithChat(
  web: TestWebProcess,
  minKarma: number,
  removeBelow: number | null,
  directAdd = false,
): Promise<{ chatId: number; telegramChatId: number; link: string }> {
  const chat = await web.store.chats.create('Inner circle', 'For members with karma', Date.now())
  await saveRule(web.store, {
    rule: { groupId: null, chatId: chat.id, minKarma, removeBelow, directAdd },
    actor: 'test',
    now: Date.now(),
  })
  web.workerJobs?.poke()
  const ready = await eventually(
    async () => {
      const c = await web.store.chats.findById(chat.id)
      return c?.telegramChatId != null && c.inviteLink !== null && c.botCanInvite && c.botCanRestrict ? c : undefined
    },
    8000,
    'the chat to be created, the bot promoted and the link made',
  )
  return { chatId: chat.id, telegramChatId: ready.telegramChatId!, link: ready.inviteLink! }
}

describe('membership in the sandbox', () => {
  it('rule → chat created → karma crosses → DM invite → join request approved; dips stay, falls are removed', async () => {
    const web = await sandbox()
    const ada = await member(web, 'Ada')
    const { chatId, telegramChatId, link } = await ruleWithChat(web, 100, 50)

    await karma(web, ada, 120)
    const invite = await web.tg.waitForBotMessage(ada, (m) => m.text?.includes('Inner circle') === true, 8000)
    expect(invite.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({ text: 'Join Inner circle', url: link })
    const adaId = (await web.store.members.findByTelegramId(ada))!.id
    await eventually(async () =>
      (await web.store.memberships.get(adaId, chatId))?.state === 'invited' ? true : undefined,
    )

    expect(web.tg.requestToJoin(ada, link)).toBe('requested')
    await eventually(() => (web.tg.memberStatus(telegramChatId, ada) === 'member' ? true : undefined), 8000, 'approval')
    await eventually(async () =>
      (await web.store.memberships.get(adaId, chatId))?.state === 'member' ? true : undefined,
    )

    // Between the lines: stays.
    await karma(web, ada, -60)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(web.tg.memberStatus(telegramChatId, ada)).toBe('member')

    // Below remove_below: removed (a kick, not a lasting ban), told why, audited.
    await karma(web, ada, -20)
    await eventually(() => (web.tg.memberStatus(telegramChatId, ada) === 'left' ? true : undefined), 8000, 'removal')
    const notice = await web.tg.waitForBotMessage(ada, (m) => m.text?.startsWith('You were removed') === true, 8000)
    expect(notice.text).toContain('fell below')
    expect((await web.store.memberships.get(adaId, chatId))?.state).toBe('removed')
    expect((await web.store.audit.recent(10)).some((e) => e.action === 'member.remove')).toBe(true)

    // Back above the line: invited again, and the kick did not ban them for good.
    await karma(web, ada, 100)
    await web.tg.waitForBotMessage(
      ada,
      (m) => m.text?.includes('opens the private chat') === true && m.message_id !== invite.message_id,
      8000,
    )
    expect(web.tg.requestToJoin(ada, link)).toBe('requested')
    await eventually(
      () => (web.tg.memberStatus(telegramChatId, ada) === 'member' ? true : undefined),
      8000,
      'second approval',
    )
  })

  it('declines a join request from someone not eligible (a leaked link), saying why', async () => {
    const web = await sandbox()
    const eve = await member(web, 'Eve')
    const { telegramChatId, link } = await ruleWithChat(web, 100, null)
    await karma(web, eve, 10)
    expect(web.tg.requestToJoin(eve, link)).toBe('requested')
    const notice = await web.tg.waitForBotMessage(
      eve,
      (m) => m.text?.startsWith('I could not let you in') === true,
      8000,
    )
    expect(notice.text).toContain('needs 100 karma; you have 10')
    expect(web.tg.memberStatus(telegramChatId, eve)).toBe('left')
    expect(web.tg.joinRequests(telegramChatId)).toEqual([])
  })

  it('removes someone added by hand who is not eligible', async () => {
    const web = await sandbox()
    const mallory = await member(web, 'Mallory')
    const { telegramChatId } = await ruleWithChat(web, 100, null)
    web.tg.addMember(telegramChatId, mallory)
    await eventually(
      () => (web.tg.memberStatus(telegramChatId, mallory) === 'left' ? true : undefined),
      8000,
      'removal of the manual add',
    )
  })

  it('records the bot losing its admin rights, for the admin page', async () => {
    const web = await sandbox()
    const { chatId, telegramChatId } = await ruleWithChat(web, 100, null)
    web.tg.setBotAdmin(telegramChatId, null)
    await eventually(async () => {
      const chat = await web.store.chats.findById(chatId)
      return chat?.botStatus === 'member' && !chat.botCanInvite ? chat : undefined
    })
  })

  it("/chats and the site's /me show the join button of an open chat", async () => {
    const web = await sandbox()
    const ada = await member(web, 'Ada')
    const { link } = await ruleWithChat(web, 100, null)
    await karma(web, ada, 150)
    await web.tg.waitForBotMessage(ada, (m) => m.text?.includes('opens the private chat') === true, 8000)
    await web.tg.sendText(ada, '/chats')
    const chats = await web.tg.waitForBotMessage(ada, (m) => m.text?.startsWith('Your private chats') === true, 8000)
    expect(chats.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({ url: link })
  })
})

describe('direct add in the sandbox', () => {
  /** A member who started the bot, then blocked it: the invite's DM is a 403. */
  async function unreachable(
    web: TestWebProcess & { tg: TelegramEmulator },
    firstName: string,
  ): Promise<{ userId: number; memberId: number }> {
    const userId = await member(web, firstName)
    web.tg.blockBot(userId)
    const found = await web.store.members.findByTelegramId(userId)
    if (!found) throw new Error('the member was not recorded')
    return { userId, memberId: found.id }
  }

  const addJobs = (web: TestWebProcess) =>
    web.store.jobs.recent(50).then((jobs) => jobs.filter((j) => j.kind === 'member.add'))

  it('a member the bot cannot DM is added to the chat by the account, and stays', async () => {
    const web = await sandbox()
    const { chatId, telegramChatId } = await ruleWithChat(web, 100, null, true)
    const ada = await unreachable(web, 'Ada')
    await karma(web, ada.userId, 150)
    await eventually(
      () => (web.tg.memberStatus(telegramChatId, ada.userId) === 'member' ? true : undefined),
      8000,
      'the direct add',
    )
    await eventually(
      async () => {
        const m = await web.store.memberships.get(ada.memberId, chatId)
        return m?.state === 'member' && m.reason === 'added by the account' ? m : undefined
      },
      8000,
      'the membership to say so',
    )
    expect((await addJobs(web)).map((j) => j.state)).toEqual(['done'])
    // The chat_member update the add caused did not get them removed as an unapproved arrival.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(web.tg.memberStatus(telegramChatId, ada.userId)).toBe('member')
    expect((await web.store.jobs.recent(50)).filter((j) => j.kind === 'member.remove')).toEqual([])
  })

  it('privacy settings that refuse adds fall back to the link, which still lets them in', async () => {
    const web = await sandbox()
    const { chatId, telegramChatId, link } = await ruleWithChat(web, 100, null, true)
    const bea = await unreachable(web, 'Bea')
    web.tg.setGroupAddPrivacy(bea.userId, true)
    await karma(web, bea.userId, 150)
    const fallback = await eventually(
      async () => {
        const m = await web.store.memberships.get(bea.memberId, chatId)
        return m?.reason.includes('USER_PRIVACY_RESTRICTED') === true ? m : undefined
      },
      8000,
      'the refused add to be recorded',
    )
    expect(fallback).toMatchObject({
      state: 'invited',
      reason: 'link on the site (USER_PRIVACY_RESTRICTED: their privacy settings do not let the account add them)',
    })
    expect(web.tg.memberStatus(telegramChatId, bea.userId)).toBe('left')
    expect((await addJobs(web)).map((j) => [j.state, j.attempts])).toEqual([['done', 1]])
    expect((await web.store.audit.recent(20)).some((e) => e.action === 'member.add_refused')).toBe(true)
    // The link on the site is the way in, as for anyone the bot cannot write to.
    expect((await web.store.memberships.openChats(bea.memberId))[0]).toMatchObject({
      inviteLink: link,
      state: 'invited',
    })
    expect(web.tg.requestToJoin(bea.userId, link)).toBe('requested')
    await eventually(
      () => (web.tg.memberStatus(telegramChatId, bea.userId) === 'member' ? true : undefined),
      8000,
      'approval of the join request',
    )
  })

  it('direct add off: a member the bot cannot DM only gets the link on the site', async () => {
    const web = await sandbox()
    const { chatId, telegramChatId } = await ruleWithChat(web, 100, null)
    const cy = await unreachable(web, 'Cy')
    await karma(web, cy.userId, 150)
    await eventually(
      async () => {
        const m = await web.store.memberships.get(cy.memberId, chatId)
        return m?.state === 'invited' ? m : undefined
      },
      8000,
      'the invite',
    )
    expect((await web.store.memberships.get(cy.memberId, chatId))?.reason).toBe(
      'link on the site (the bot may not write to them)',
    )
    await new Promise((resolve) => setTimeout(resolve, 1200))
    expect(await addJobs(web)).toEqual([])
    expect(web.tg.memberStatus(telegramChatId, cy.userId)).toBe('left')
  })
})
