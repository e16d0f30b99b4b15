import { tl, type TelegramClient } from '@mtcute/node'
import { resolveOwnChannel } from './resolve-own-channel.js'

/** Parameters of {@link promoteBot}. */
export interface PromoteBotParams {
  /** The supergroup's Bot API id (`-100…`). */
  readonly telegramChatId: number
  /** Without `@`. */
  readonly botUsername: string
}

/**
 * Invites the bot to the supergroup and makes it an admin with exactly invite users (join
 * requests) and ban users (removals), nothing else. Idempotent: a bot already there, or
 * already with these rights, is fine.
 */
export async function promoteBot(tg: TelegramClient, params: PromoteBotParams): Promise<void> {
  const channel = await resolveOwnChannel(tg, params.telegramChatId)
  const bot = await tg.resolveUser(params.botUsername.replace(/^@/, ''))
  try {
    await tg.call({ _: 'channels.inviteToChannel', channel, users: [bot] })
  } catch (err) {
    if (!tl.RpcError.is(err, 'USER_ALREADY_PARTICIPANT')) throw err
  }
  try {
    await tg.call({
      _: 'channels.editAdmin',
      channel,
      userId: bot,
      adminRights: { _: 'chatAdminRights', inviteUsers: true, banUsers: true },
      rank: '',
    })
  } catch (err) {
    // Same rights again: Telegram says nothing changed, which is what we want.
    if (!tl.RpcError.is(err, 'CHAT_NOT_MODIFIED') && !tl.RpcError.is(err, 'USER_NOT_MODIFIED')) throw err
  }
}
