import { Long, tl } from '@mtcute/node'
import { describe, expect, it } from 'vitest'
import { ADD_REFUSALS, type AddRefusal } from '../../../../src/worker/add-refusals.js'
import { MtcuteAccount } from '../../../../src/worker/mtcute-account.js'
import { addMember } from '../../../../src/worker/ops/add-member.js'
import { botApiChannelId } from '../../../../src/worker/ops/channel-id.js'
import { megagroup, rpcError, stubClient, updatesWith } from '../../../support/mtcute-stub.js'

/** The member to add, as Telegram knows them. */
const ADA: tl.RawUser = { _: 'user', id: 300, accessHash: Long.fromNumber(33), firstName: 'Ada', username: 'ada_k' }
/** Someone else, who holds the username Ada once had. */
const MALLORY: tl.RawUser = {
  _: 'user',
  id: 301,
  accessHash: Long.fromNumber(44),
  firstName: 'Mallory',
  username: 'ada_k',
}
const CHANNEL = megagroup(5000, 'Inner circle')
const CHAT_ID = botApiChannelId(CHANNEL.id)

const invited = (users: tl.TypeUser[] = [ADA], missing: tl.TypeMissingInvitee[] = []): tl.messages.RawInvitedUsers => ({
  _: 'messages.invitedUsers',
  updates: updatesWith([CHANNEL], users),
  missingInvitees: missing,
})

/**
 * A stubbed account that owns the supergroup (in its peer cache, as after creating it) and has
 * met the member (`knowsAda`) or not: then Telegram shows nobody by bare id, as for a stranger.
 */
async function account(options: { knowsAda: boolean }) {
  const { stub, tg } = stubClient()
  await stub.prepare()
  await stub.storage.peers.updatePeersFrom(updatesWith([CHANNEL], options.knowsAda ? [ADA] : []))
  stub.respondWith('users.getUsers', () => []).respondWith('channels.inviteToChannel', () => invited())
  return { stub, tg }
}

const inviteCalls = (calls: tl.RpcMethod[]) =>
  calls.filter((c): c is tl.channels.RawInviteToChannelRequest => c._ === 'channels.inviteToChannel')

describe('addMember (channels.inviteToChannel)', () => {
  it('invites a member the account knows into its own supergroup, with both access hashes', async () => {
    const { stub, tg } = await account({ knowsAda: true })
    await expect(addMember(tg, { telegramChatId: CHAT_ID, telegramUserId: ADA.id, username: null })).resolves.toEqual({
      added: true,
      alreadyMember: false,
    })
    expect(stub.methods()).toEqual(['channels.inviteToChannel'])
    const call = inviteCalls(stub.calls)[0]
    expect(call?.channel).toEqual({ _: 'inputChannel', channelId: CHANNEL.id, accessHash: CHANNEL.accessHash })
    expect(call?.users).toEqual([{ _: 'inputUser', userId: ADA.id, accessHash: ADA.accessHash }])
    await tg.destroy()
  })

  it('finds a member the account never met through their username', async () => {
    const { stub, tg } = await account({ knowsAda: false })
    stub.respondWith('contacts.resolveUsername', (req): tl.contacts.RawResolvedPeer => {
      expect(req.username).toBe('ada_k')
      return { _: 'contacts.resolvedPeer', peer: { _: 'peerUser', userId: ADA.id }, chats: [], users: [ADA] }
    })
    await expect(
      new MtcuteAccount(tg).addMember({ telegramChatId: CHAT_ID, telegramUserId: ADA.id, username: '@ada_k' }),
    ).resolves.toEqual({ added: true, alreadyMember: false })
    // mtcute asks for the bare id first (no access hash: Telegram shows nothing), then the username.
    expect(stub.methods()).toEqual(['users.getUsers', 'contacts.resolveUsername', 'channels.inviteToChannel'])
    expect(inviteCalls(stub.calls)[0]?.users).toEqual([{ _: 'inputUser', userId: ADA.id, accessHash: ADA.accessHash }])
    await tg.destroy()
  })

  it('does not add whoever holds the username now when that is someone else', async () => {
    const { stub, tg } = await account({ knowsAda: false })
    stub.respondWith('contacts.resolveUsername', (): tl.contacts.RawResolvedPeer => ({
      _: 'contacts.resolvedPeer',
      peer: { _: 'peerUser', userId: MALLORY.id },
      chats: [],
      users: [MALLORY],
    }))
    await expect(
      addMember(tg, { telegramChatId: CHAT_ID, telegramUserId: ADA.id, username: 'ada_k' }),
    ).resolves.toEqual({ added: false, refusal: 'USER_NOT_FOUND' })
    expect(inviteCalls(stub.calls)).toEqual([])
    await tg.destroy()
  })

  it('falls back when the account cannot find the member at all (no access hash, no username)', async () => {
    const { stub, tg } = await account({ knowsAda: false })
    await expect(addMember(tg, { telegramChatId: CHAT_ID, telegramUserId: ADA.id, username: null })).resolves.toEqual({
      added: false,
      refusal: 'USER_NOT_FOUND',
    })
    stub.respondWith('contacts.resolveUsername', () => {
      throw rpcError(400, 'USERNAME_NOT_OCCUPIED')
    })
    await expect(
      addMember(tg, { telegramChatId: CHAT_ID, telegramUserId: ADA.id, username: 'gone_name' }),
    ).resolves.toEqual({ added: false, refusal: 'USER_NOT_FOUND' })
    expect(inviteCalls(stub.calls)).toEqual([])
    await tg.destroy()
  })

  it('a member Telegram lists in missingInvitees (privacy, no error) falls back', async () => {
    const { stub, tg } = await account({ knowsAda: true })
    stub.respondWith('channels.inviteToChannel', () =>
      invited([], [{ _: 'missingInvitee', userId: ADA.id, premiumWouldAllowInvite: true }]),
    )
    await expect(addMember(tg, { telegramChatId: CHAT_ID, telegramUserId: ADA.id, username: null })).resolves.toEqual({
      added: false,
      refusal: 'USER_PRIVACY_RESTRICTED',
    })
    await tg.destroy()
  })

  const thrown = (Object.keys(ADD_REFUSALS) as AddRefusal[]).filter((code) => code !== 'USER_NOT_FOUND')
  it.each(thrown)('maps %s to a fallback, not a failure', async (code) => {
    const { stub, tg } = await account({ knowsAda: true })
    stub.respondWith('channels.inviteToChannel', () => {
      throw rpcError(code === 'USER_CHANNELS_TOO_MUCH' ? 403 : 400, code)
    })
    await expect(addMember(tg, { telegramChatId: CHAT_ID, telegramUserId: ADA.id, username: null })).resolves.toEqual({
      added: false,
      refusal: code,
    })
    expect(stub.methods()).toEqual(['channels.inviteToChannel'])
    await tg.destroy()
  })

  it('a member already in the chat counts as added', async () => {
    const { stub, tg } = await account({ knowsAda: true })
    stub.respondWith('channels.inviteToChannel', () => {
      throw rpcError(400, 'USER_ALREADY_PARTICIPANT')
    })
    await expect(addMember(tg, { telegramChatId: CHAT_ID, telegramUserId: ADA.id, username: null })).resolves.toEqual({
      added: true,
      alreadyMember: true,
    })
    await tg.destroy()
  })

  it('throws FLOOD_WAIT_X for the job queue to wait X seconds', async () => {
    const { stub, tg } = await account({ knowsAda: true })
    stub.respondWith('channels.inviteToChannel', () => {
      throw rpcError(420, 'FLOOD_WAIT_300')
    })
    await expect(addMember(tg, { telegramChatId: CHAT_ID, telegramUserId: ADA.id, username: null })).rejects.toSatisfy(
      (e) => tl.RpcError.is(e, 'FLOOD_WAIT_%d') && e.seconds === 300,
    )
    await tg.destroy()
  })

  it.each(['PEER_FLOOD', 'CHAT_ADMIN_REQUIRED', 'CHANNEL_PRIVATE'])('throws %s for the job queue', async (text) => {
    const { stub, tg } = await account({ knowsAda: true })
    stub.respondWith('channels.inviteToChannel', () => {
      throw rpcError(400, text)
    })
    await expect(addMember(tg, { telegramChatId: CHAT_ID, telegramUserId: ADA.id, username: null })).rejects.toSatisfy(
      (e) => tl.RpcError.is(e) && e.text === text,
    )
    await tg.destroy()
  })

  it('a FLOOD_WAIT while looking the member up is thrown too, not taken for an unknown member', async () => {
    const { stub, tg } = await account({ knowsAda: false })
    stub.respondWith('contacts.resolveUsername', () => {
      throw rpcError(420, 'FLOOD_WAIT_60')
    })
    await expect(
      addMember(tg, { telegramChatId: CHAT_ID, telegramUserId: ADA.id, username: 'ada_k' }),
    ).rejects.toSatisfy((e) => tl.RpcError.is(e, 'FLOOD_WAIT_%d'))
    expect(inviteCalls(stub.calls)).toEqual([])
    await tg.destroy()
  })
})
