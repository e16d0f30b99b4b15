import { MtInvalidPeerTypeError, MtPeerNotFoundError, tl, type TelegramClient } from '@mtcute/node'

/** Parameters of {@link resolveMember}. */
export interface ResolveMemberParams {
  readonly telegramUserId: number
  /** Without `@`; null when the member has none. */
  readonly username: string | null
}

/** What Telegram says when asked about a user it will not show this account. */
const UNKNOWN_USER = [
  'USER_ID_INVALID',
  'PEER_ID_INVALID',
  'USER_INVALID',
  'USERNAME_INVALID',
  'USERNAME_NOT_OCCUPIED',
] as const

const isUnknown = (err: unknown): boolean =>
  err instanceof MtPeerNotFoundError ||
  err instanceof MtInvalidPeerTypeError ||
  UNKNOWN_USER.some((text) => tl.RpcError.is(err, text))

/**
 * The input user (id and access hash) of a member, for an account that may never have met them:
 * members log in with the bot, not with the account. First the session's peer cache (mtcute then
 * asks `users.getUsers` without an access hash, which Telegram answers only for users the account
 * could see anyway); then, if the member has a username, `contacts.resolveUsername`, accepted
 * only when it still leads to this member (a username can change hands). Resolves to undefined
 * when neither leads to them; Telegram's other errors (`FLOOD_WAIT_X` …) are thrown.
 */
export async function resolveMember(
  tg: TelegramClient,
  params: ResolveMemberParams,
): Promise<tl.TypeInputUser | undefined> {
  try {
    return await tg.resolveUser(params.telegramUserId)
  } catch (err) {
    if (!isUnknown(err)) throw err
  }
  const username = params.username?.replace(/^@/, '') ?? ''
  if (username === '') return undefined
  try {
    const user = await tg.resolveUser(username)
    return user._ === 'inputUser' && user.userId === params.telegramUserId ? user : undefined
  } catch (err) {
    if (!isUnknown(err)) throw err
    return undefined
  }
}
