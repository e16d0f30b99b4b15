import type { TelegramClient } from '@mtcute/node'
import { addMember } from './ops/add-member.js'
import { chatMarker, describeWithMarker } from './ops/chat-marker.js'
import { createSupergroup } from './ops/create-supergroup.js'
import { findOwnChat } from './ops/find-own-chat.js'
import { promoteBot } from './ops/promote-bot.js'
import type { AddMemberOutcome, AddMemberParams, TelegramAccount } from './port.js'

/**
 * The {@link TelegramAccount} port over a real account (an mtcute client). Each method is one
 * or two ops from `./ops/`; Telegram's errors pass through as `tl.RpcError` for the job
 * handlers to classify (FLOOD_WAIT, PEER_FLOOD …).
 */
export class MtcuteAccount implements TelegramAccount {
  constructor(private readonly tg: TelegramClient) {}

  /**
   * Looks for a chat made for `chatId` by an earlier attempt first (its description ends with
   * the marker), so a retry after a crash between creating and recording reuses it.
   */
  async createSupergroup(params: {
    readonly chatId: number
    readonly title: string
    readonly description: string
  }): Promise<{ readonly telegramChatId: number }> {
    const existing = await findOwnChat(this.tg, { title: params.title, marker: chatMarker(params.chatId) })
    if (existing !== undefined) return { telegramChatId: existing }
    const telegramChatId = await createSupergroup(this.tg, {
      title: params.title,
      about: describeWithMarker(params.description, params.chatId),
    })
    return { telegramChatId }
  }

  async promoteBot(params: { readonly telegramChatId: number; readonly botUsername: string }): Promise<void> {
    await promoteBot(this.tg, params)
  }

  async addMember(params: AddMemberParams): Promise<AddMemberOutcome> {
    return addMember(this.tg, params)
  }
}
