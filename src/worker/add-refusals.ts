/**
 * Why Telegram would not let the account add a member to a chat (`channels.inviteToChannel`), by
 * Telegram's error text, with a sentence for the membership's reason and the admin pages. Each
 * is about this member (or this account and member), not a passing failure: retrying would only
 * spend the account's limits, so the member keeps the join-request link instead.
 */
export const ADD_REFUSALS = {
  /** Their "who can add me to groups" setting excludes the account (or an answer's `missingInvitees`). */
  USER_PRIVACY_RESTRICTED: 'their privacy settings do not let the account add them',
  USER_NOT_MUTUAL_CONTACT: 'they let only mutual contacts add them',
  USER_CHANNELS_TOO_MUCH: 'they are in too many chats already',
  USER_KICKED: 'they are banned from this chat',
  USER_BANNED_IN_CHANNEL: 'Telegram does not let the account add members to supergroups now',
  USER_BLOCKED: 'they blocked the account',
  INPUT_USER_DEACTIVATED: 'their Telegram account was deleted',
  USERS_TOO_MUCH: 'the chat is full',
  USER_ID_INVALID: 'the account cannot address them',
  PEER_ID_INVALID: 'the account cannot address them',
  /** Ours, not Telegram's: the account has no access hash for them and no username leads to them. */
  USER_NOT_FOUND: 'the account has never seen them and they have no public username',
} as const

/** A code of {@link ADD_REFUSALS}. */
export type AddRefusal = keyof typeof ADD_REFUSALS

/** Whether `text` (an RPC error's text) is one of {@link ADD_REFUSALS}. */
export function isAddRefusal(text: string): text is AddRefusal {
  return Object.hasOwn(ADD_REFUSALS, text)
}

/** The membership reason of a refused add: the link on the site, and why. */
export function refusedAddReason(refusal: AddRefusal): string {
  return `link on the site (${refusal}: ${ADD_REFUSALS[refusal]})`
}
