import { tl } from '@mtcute/node'
import { describe, expect, it } from 'vitest'
import { MtcuteAccount } from '../../../src/worker/mtcute-account.js'
import { BOT, emulateChats, rpcError, stubClient } from '../../support/mtcute-stub.js'

describe('MtcuteAccount', () => {
  it('creates a marked megagroup, then invites and promotes the bot with exactly two rights', async () => {
    const { stub, tg } = stubClient()
    const chats = emulateChats(stub)
    const account = new MtcuteAccount(tg)
    const { telegramChatId } = await account.createSupergroup({
      chatId: 12,
      title: 'Inner circle',
      description: 'For the best',
    })
    expect(telegramChatId).toBe(-1000000005000)
    await account.promoteBot({ telegramChatId, botUsername: 'karmagate_bot' })
    expect(stub.methods()).toEqual([
      'messages.getDialogs',
      'channels.createChannel',
      'contacts.resolveUsername',
      'channels.inviteToChannel',
      'channels.editAdmin',
    ])
    const create = stub.calls[1] as tl.channels.RawCreateChannelRequest
    expect(create).toMatchObject({ megagroup: true, title: 'Inner circle', about: 'For the best\n[karmagate:12]' })
    expect(chats.channels).toHaveLength(1)
    const edit = stub.calls[4] as tl.channels.RawEditAdminRequest
    expect(edit.userId).toMatchObject({ _: 'inputUser', userId: BOT.id })
    expect(edit.adminRights).toEqual({ _: 'chatAdminRights', inviteUsers: true, banUsers: true })
    await tg.destroy()
  })

  it('finds the chat an earlier attempt made instead of creating a second one', async () => {
    const { stub, tg } = stubClient()
    const chats = emulateChats(stub)
    const account = new MtcuteAccount(tg)
    const first = await account.createSupergroup({ chatId: 7, title: 'Team', description: '' })
    // Same title, another chat's marker: not ours to reuse.
    const other = await account.createSupergroup({ chatId: 8, title: 'Team', description: '' })
    const again = await account.createSupergroup({ chatId: 7, title: 'Team', description: '' })
    expect(again).toEqual(first)
    expect(other.telegramChatId).not.toBe(first.telegramChatId)
    expect(chats.channels).toHaveLength(2)
    expect(stub.methods().filter((m) => m === 'channels.createChannel')).toHaveLength(2)
    await tg.destroy()
  })

  it('promotes idempotently: a bot already in the chat and unchanged rights are fine', async () => {
    const { stub, tg } = stubClient()
    emulateChats(stub)
    const account = new MtcuteAccount(tg)
    const { telegramChatId } = await account.createSupergroup({ chatId: 1, title: 'T', description: '' })
    stub
      .respondWith('channels.inviteToChannel', () => {
        throw rpcError(400, 'USER_ALREADY_PARTICIPANT')
      })
      .respondWith('channels.editAdmin', () => {
        throw rpcError(400, 'CHAT_NOT_MODIFIED')
      })
    await expect(account.promoteBot({ telegramChatId, botUsername: '@karmagate_bot' })).resolves.toBeUndefined()
    stub.respondWith('channels.editAdmin', () => {
      throw rpcError(400, 'CHAT_ADMIN_REQUIRED')
    })
    await expect(account.promoteBot({ telegramChatId, botUsername: 'karmagate_bot' })).rejects.toSatisfy((e) =>
      tl.RpcError.is(e, 'CHAT_ADMIN_REQUIRED'),
    )
    await tg.destroy()
  })
})
