import type { AddRefusal } from '../worker/add-refusals.js'
import type { AddMemberOutcome, AddMemberParams, TelegramAccount } from '../worker/port.js'
import type { TelegramEmulator } from './emulator.js'

const refused = (refusal: AddRefusal): Promise<AddMemberOutcome> => Promise.resolve({ added: false, refusal })

/**
 * The sandbox's stand-in for the worker's user account: creates supergroups in the emulator
 * (owned by its "Sandbox Owner"), promotes the bot there and adds members directly, so the whole
 * flow (rule → chat → invite → join request → approval, or a direct add) runs offline.
 */
export class EmulatedAccount implements TelegramAccount {
  constructor(private readonly emulator: TelegramEmulator) {}

  createSupergroup(params: {
    readonly title: string
    readonly description: string
  }): Promise<{ readonly telegramChatId: number }> {
    const chat = this.emulator.createSupergroup({ title: params.title, description: params.description })
    return Promise.resolve({ telegramChatId: chat.id })
  }

  promoteBot(params: { readonly telegramChatId: number; readonly botUsername: string }): Promise<void> {
    // The emulator has one bot; the rights are the two karmagate needs and nothing more.
    this.emulator.setBotAdmin(params.telegramChatId, { can_invite_users: true, can_restrict_members: true })
    return Promise.resolve()
  }

  /**
   * The owner adds the member, as `channels.inviteToChannel` would: a `chat_member` update for
   * the bot. Refuses like Telegram for a user who does not exist (`USER_ID_INVALID`), whose
   * privacy settings forbid it (`USER_PRIVACY_RESTRICTED`) or who is banned there (`USER_KICKED`).
   * Unlike a real account, this one knows every user: no access hash to find first.
   */
  addMember(params: AddMemberParams): Promise<AddMemberOutcome> {
    const user = this.emulator.user(params.telegramUserId)
    if (!user) return refused('USER_ID_INVALID')
    if (user.restrictsGroupAdds) return refused('USER_PRIVACY_RESTRICTED')
    const status = this.emulator.memberStatus(params.telegramChatId, user.id)
    if (status === 'kicked') return refused('USER_KICKED')
    if (status !== 'left') return Promise.resolve({ added: true, alreadyMember: true })
    this.emulator.addMember(params.telegramChatId, user.id)
    return Promise.resolve({ added: true, alreadyMember: false })
  }
}
