/**
 * The sandbox's emulated account adding members (direct add) as Telegram would: the member in the
 * chat and a `chat_member` update for the bot; Telegram's refusals for privacy, a ban, a stranger.
 */
import { Api } from 'grammy'
import type { Update } from 'grammy/types'
import { afterEach, describe, expect, it } from 'vitest'
import { EmulatedAccount } from '../../src/sandbox/account.js'
import { type RunningEmulator, startEmulator } from '../support/emulator.js'

const running: RunningEmulator[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()))
})

async function club() {
  const emu = await startEmulator()
  running.push(emu)
  const api = new Api(emu.token, { apiRoot: emu.apiRoot })
  const account = new EmulatedAccount(emu.emulator)
  const { telegramChatId } = await account.createSupergroup({ title: 'Inner circle', description: '' })
  await account.promoteBot({ telegramChatId, botUsername: 'any' })
  const first = await api.getUpdates({ allowed_updates: ['chat_member', 'my_chat_member'] })
  await api.getUpdates({ offset: first.at(-1)!.update_id + 1 })
  const drain = async (): Promise<Update[]> => {
    const updates = await api.getUpdates({ timeout: 0 })
    if (updates.length > 0) await api.getUpdates({ offset: updates.at(-1)!.update_id + 1 })
    return updates
  }
  return { ...emu, api, account, telegramChatId, drain }
}

describe('EmulatedAccount.addMember', () => {
  it('adds the member as the owner, tells the bot (chat_member), and a second add finds them in', async () => {
    const { emulator, account, telegramChatId, drain } = await club()
    const ada = emulator.createUser({ firstName: 'Ada' })
    await expect(account.addMember({ telegramChatId, telegramUserId: ada.id, username: null })).resolves.toEqual({
      added: true,
      alreadyMember: false,
    })
    expect(emulator.memberStatus(telegramChatId, ada.id)).toBe('member')
    const [update, ...rest] = await drain()
    expect(rest).toEqual([])
    expect(update?.chat_member).toMatchObject({
      chat: { id: telegramChatId },
      from: { first_name: 'Sandbox' },
      old_chat_member: { status: 'left', user: { id: ada.id } },
      new_chat_member: { status: 'member', user: { id: ada.id } },
    })
    await expect(account.addMember({ telegramChatId, telegramUserId: ada.id, username: null })).resolves.toEqual({
      added: true,
      alreadyMember: true,
    })
    expect(await drain()).toEqual([])
  })

  it('refuses like Telegram: privacy settings, a ban in the chat, a user who does not exist', async () => {
    const { emulator, api, account, telegramChatId, drain } = await club()
    const bea = emulator.createUser({ firstName: 'Bea', restrictsGroupAdds: true })
    await expect(account.addMember({ telegramChatId, telegramUserId: bea.id, username: null })).resolves.toEqual({
      added: false,
      refusal: 'USER_PRIVACY_RESTRICTED',
    })
    emulator.setGroupAddPrivacy(bea.id, false)
    await api.banChatMember(telegramChatId, bea.id)
    await drain()
    await expect(account.addMember({ telegramChatId, telegramUserId: bea.id, username: null })).resolves.toEqual({
      added: false,
      refusal: 'USER_KICKED',
    })
    await expect(account.addMember({ telegramChatId, telegramUserId: 999_999_999, username: null })).resolves.toEqual({
      added: false,
      refusal: 'USER_ID_INVALID',
    })
    expect(emulator.memberStatus(telegramChatId, bea.id)).toBe('kicked')
    expect(await drain()).toEqual([])
  })
})
