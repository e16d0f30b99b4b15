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
  createSupergroup(params: { readonly chatId: number; readonly title: string; readonly description: string }): Promise<{ readonly telegramChatId: number }>
  /**
   * Adds the bot to the chat and makes it an admin with exactly the rights it needs: invite
   * users (join requests) and ban users (removals). Idempotent.
   */
  promoteBot(params: { readonly telegramChatId: number; readonly botUsername: string }): Promise<void>
}
