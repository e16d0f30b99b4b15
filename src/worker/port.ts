import type { AddRefusal } from './add-refusals.js'

/** Parameters of {@link TelegramAccount.addMember}. */
export interface AddMemberParams {
  /** The supergroup's Bot API id (`-100…`); the account owns it. */
  readonly telegramChatId: number
  readonly telegramUserId: number
  /**
   * The member's username as last seen (without `@`), or null. An account that has never met the
   * member has no access hash for them; a username is the one way to get it without one.
   */
  readonly username: string | null
}

/**
 * What became of a direct add: in the chat (`alreadyMember` when they were before the call), or
 * refused for a reason of the member's ({@link AddRefusal}). Passing failures (`FLOOD_WAIT_X`,
 * `PEER_FLOOD`, the network) are thrown instead, for the job queue.
 */
export type AddMemberOutcome =
  { readonly added: true; readonly alreadyMember: boolean } | { readonly added: false; readonly refusal: AddRefusal }

/**
 * What karmagate needs from a Telegram user account (bots cannot create groups). The worker's
 * jobs are written against this port; the mtcute adapter implements it for Telegram, the
 * sandbox's emulated account for the emulator, and tests pass a stub.
 */
export interface TelegramAccount {
  /**
   * Creates a private supergroup (`channels.createChannel` with `megagroup`) owned by this
   * account; resolves to its Bot API chat id (`-100…`). `chatId` is our `chats` row: an
   * adapter that can crash between Telegram creating the chat and us recording it marks the
   * chat with it and looks for such a chat first, so a retry does not make a second one.
   */
  createSupergroup(params: {
    readonly chatId: number
    readonly title: string
    readonly description: string
  }): Promise<{ readonly telegramChatId: number }>
  /**
   * Adds the bot to the chat and makes it an admin with exactly the rights it needs: invite
   * users (join requests) and ban users (removals). Idempotent.
   */
  promoteBot(params: { readonly telegramChatId: number; readonly botUsername: string }): Promise<void>
  /**
   * Adds a member to the chat as its owner (`channels.inviteToChannel`), for a rule with direct
   * add whose member the bot cannot DM. Idempotent: a member already there is `added`.
   */
  addMember(params: AddMemberParams): Promise<AddMemberOutcome>
}
