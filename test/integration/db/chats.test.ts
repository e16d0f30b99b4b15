import { expect, it } from 'vitest'
import { SECOND } from '../../../src/time.js'
import { describeStore } from '../../support/contract.js'

describeStore('chats', (open) => {
  it('records a chat a rule needs: pending, nothing from Telegram yet, dated now', async () => {
    const t = await open()
    const chat = await t.store.chats.create('Inner circle', 'For the best', t.now())
    expect(chat).toEqual({
      id: chat.id,
      title: 'Inner circle',
      description: 'For the best',
      state: 'pending',
      telegramChatId: null,
      inviteLink: null,
      botStatus: null,
      botCanInvite: false,
      botCanRestrict: false,
      lastError: null,
      createdAt: t.now(),
    })
    expect(await t.store.chats.findById(chat.id)).toEqual(chat)
  })

  it('finds nothing for an id or a Telegram id no chat has', async () => {
    const t = await open()
    const chat = await t.store.chats.create('One', '', t.now())
    await t.store.chats.markActive(chat.id, -1001, t.now())
    expect(await t.store.chats.findById(chat.id + 1)).toBeUndefined()
    expect(await t.store.chats.findByTelegramId(-1002)).toBeUndefined()
  })

  it('lists every chat, whatever its state', async () => {
    const t = await open()
    const a = await t.store.chats.create('A', '', t.now())
    const b = await t.store.chats.create('B', '', t.now())
    const c = await t.store.chats.create('C', '', t.now())
    await t.store.chats.markActive(b.id, -1002, t.now())
    await t.store.chats.markFailed(c.id, 'no rights', t.now())
    expect(
      (await t.store.chats.list()).map((x) => [x.id, x.state]).sort((x, y) => Number(x[0]) - Number(y[0])),
    ).toEqual([
      [a.id, 'pending'],
      [b.id, 'active'],
      [c.id, 'failed'],
    ])
  })

  it('marks a chat active under its Bot API id, found by it; an error of an earlier try is gone', async () => {
    const t = await open()
    const chat = await t.store.chats.create('Lounge', '', t.now())
    await t.store.chats.markFailed(chat.id, 'flood wait', t.now())
    t.advance(SECOND)
    await t.store.chats.markActive(chat.id, -1009876543210, t.now())
    const active = await t.store.chats.findByTelegramId(-1009876543210)
    expect(active).toMatchObject({ id: chat.id, state: 'active', telegramChatId: -1009876543210, lastError: null })
    expect(active?.createdAt).toBe(chat.createdAt)
  })

  it('marks a chat failed with the reason for admins', async () => {
    const t = await open()
    const chat = await t.store.chats.create('Lounge', '', t.now())
    await t.store.chats.markFailed(chat.id, 'USER_RESTRICTED', t.now())
    expect(await t.store.chats.findById(chat.id)).toMatchObject({ state: 'failed', lastError: 'USER_RESTRICTED' })
  })

  it('keeps the invite link and the bot’s status as last reported', async () => {
    const t = await open()
    const chat = await t.store.chats.create('Lounge', '', t.now())
    await t.store.chats.setInviteLink(chat.id, 'https://t.me/+first', t.now())
    await t.store.chats.setInviteLink(chat.id, 'https://t.me/+second', t.now())
    await t.store.chats.setBotStatus(chat.id, { status: 'administrator', canInvite: true, canRestrict: true }, t.now())
    expect(await t.store.chats.findById(chat.id)).toMatchObject({
      inviteLink: 'https://t.me/+second',
      botStatus: 'administrator',
      botCanInvite: true,
      botCanRestrict: true,
    })
    await t.store.chats.setBotStatus(chat.id, { status: 'administrator', canInvite: true, canRestrict: false }, t.now())
    expect(await t.store.chats.findById(chat.id)).toMatchObject({ botCanInvite: true, botCanRestrict: false })
    await t.store.chats.setBotStatus(chat.id, { status: 'left', canInvite: false, canRestrict: false }, t.now())
    expect(await t.store.chats.findById(chat.id)).toMatchObject({
      botStatus: 'left',
      botCanInvite: false,
      botCanRestrict: false,
      inviteLink: 'https://t.me/+second',
    })
  })

  it('changes only the chat named', async () => {
    const t = await open()
    const a = await t.store.chats.create('A', '', t.now())
    const b = await t.store.chats.create('B', '', t.now())
    await t.store.chats.markActive(a.id, -1001, t.now())
    await t.store.chats.setInviteLink(a.id, 'https://t.me/+a', t.now())
    await t.store.chats.setBotStatus(a.id, { status: 'administrator', canInvite: true, canRestrict: true }, t.now())
    expect(await t.store.chats.findById(b.id)).toEqual(b)
  })
})
