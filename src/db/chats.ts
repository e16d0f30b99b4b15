/** Lifecycle of a private supergroup karmagate manages. */
export type ChatState = 'pending' | 'active' | 'failed'

/** A private supergroup, as stored. */
export interface Chat {
  readonly id: number
  readonly title: string
  readonly description: string
  readonly state: ChatState
  /** The Bot API chat id (`-100…`), once the worker has created it. */
  readonly telegramChatId: number | null
  /** The bot's join-request link, once it has made one. */
  readonly inviteLink: string | null
  /** The bot's status there as Telegram last reported it (`administrator`, `left`, …). */
  readonly botStatus: string | null
  readonly botCanInvite: boolean
  readonly botCanRestrict: boolean
  readonly lastError: string | null
  readonly createdAt: number
}

/** What the bot may do in a chat, from a `my_chat_member` update. */
export interface BotChatStatus {
  readonly status: string
  readonly canInvite: boolean
  readonly canRestrict: boolean
}

/** The private supergroups. */
export interface ChatRepository {
  /** Records a chat a rule needs; the worker creates it in Telegram. */
  create(title: string, description: string, now: number): Promise<Chat>

  findById(id: number): Promise<Chat | undefined>

  findByTelegramId(telegramChatId: number): Promise<Chat | undefined>

  list(): Promise<Chat[]>

  /** The worker created the chat in Telegram: it is active under this Bot API id. */
  markActive(id: number, telegramChatId: number, now: number): Promise<void>

  /** Creating the chat failed for good; the reason is shown to admins. */
  markFailed(id: number, error: string, now: number): Promise<void>

  setInviteLink(id: number, link: string, now: number): Promise<void>

  setBotStatus(id: number, status: BotChatStatus, now: number): Promise<void>
}
