import type { TelegramAccount } from '../worker/port.js'
import type { TelegramEmulator } from './emulator.js'

/**
 * The sandbox's stand-in for the worker's user account: creates supergroups in the emulator
 * (owned by its "Sandbox Owner") and promotes the bot there, so the whole flow (rule → chat →
 * invite → join request → approval) runs offline.
 */
export class EmulatedAccount implements TelegramAccount {
  constructor(private readonly emulator: TelegramEmulator) {}

  createSupergroup(params: { readonly title: string; readonly description: string }): Promise<{ readonly telegramChatId: number }> {
    const chat = this.emulator.createSupergroup({ title: params.title, description: params.description })
    return Promise.resolve({ telegramChatId: chat.id })
  }

  promoteBot(params: { readonly telegramChatId: number; readonly botUsername: string }): Promise<void> {
    // The emulator has one bot; the rights are the two karmagate needs and nothing more.
    this.emulator.setBotAdmin(params.telegramChatId, { can_invite_users: true, can_restrict_members: true })
    return Promise.resolve()
  }
}
