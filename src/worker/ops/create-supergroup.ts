import type { TelegramClient } from '@mtcute/node'
import { botApiChannelId } from './channel-id.js'

/** Parameters of {@link createSupergroup}. */
export interface CreateSupergroupParams {
  readonly title: string
  /** The description as it should read in Telegram (including any marker). */
  readonly about: string
}

/**
 * Creates a private supergroup (`channels.createChannel` with `megagroup`) owned by this
 * account. Resolves to its Bot API id (`-100…`).
 */
export async function createSupergroup(tg: TelegramClient, params: CreateSupergroupParams): Promise<number> {
  const res = await tg.call({ _: 'channels.createChannel', megagroup: true, title: params.title, about: params.about })
  const chats = 'chats' in res ? res.chats : []
  const channel = chats.find((c) => c._ === 'channel')
  if (!channel) throw new Error('channels.createChannel answered without the new channel')
  return botApiChannelId(channel.id)
}
