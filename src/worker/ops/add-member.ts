import { tl, type TelegramClient } from '@mtcute/node'
import { type AddRefusal, isAddRefusal } from '../add-refusals.js'
import type { AddMemberOutcome, AddMemberParams } from '../port.js'
import { resolveMember } from './resolve-member.js'
import { resolveOwnChannel } from './resolve-own-channel.js'

/**
 * Adds a member to a supergroup this account owns (`channels.inviteToChannel`). Telegram's
 * refusals that are about the member (privacy settings, too many chats, banned here, an unknown
 * user …, see `ADD_REFUSALS`) come back as `{ added: false, refusal }`; so does a user listed in
 * the answer's `missingInvitees`, which is how today's Telegram reports a privacy refusal without
 * an error. A member already in the chat is `added`. Anything else is thrown for the job queue
 * (`FLOOD_WAIT_X`, `PEER_FLOOD`, `CHAT_ADMIN_REQUIRED` …).
 */
export async function addMember(tg: TelegramClient, params: AddMemberParams): Promise<AddMemberOutcome> {
  const channel = await resolveOwnChannel(tg, params.telegramChatId)
  const user = await resolveMember(tg, { telegramUserId: params.telegramUserId, username: params.username })
  if (user === undefined) return refused('USER_NOT_FOUND')
  try {
    const res = await tg.call({ _: 'channels.inviteToChannel', channel, users: [user] })
    if (res.missingInvitees.some((m) => m.userId === params.telegramUserId)) return refused('USER_PRIVACY_RESTRICTED')
    return { added: true, alreadyMember: false }
  } catch (err) {
    if (tl.RpcError.is(err, 'USER_ALREADY_PARTICIPANT')) return { added: true, alreadyMember: true }
    if (tl.RpcError.is(err) && isAddRefusal(err.text)) return refused(err.text)
    throw err
  }
}

const refused = (refusal: AddRefusal): AddMemberOutcome => ({ added: false, refusal })
