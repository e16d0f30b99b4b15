import { createHash } from 'node:crypto'
import type { Router } from 'express'
import type {
  BotCommand,
  BotCommandScope,
  CallbackQuery,
  ChatMember,
  ChatMemberUpdated,
  Message,
  User,
  UserFromGetMe,
  WebhookInfo,
} from 'grammy/types'
import { type Logger, pino } from 'pino'
import { appRouter } from './app/router.js'
import { BotCommands } from './bot-commands.js'
import type { BotApiContext } from './bot-api/context.js'
import { LongPolls } from './bot-api/long-poll.js'
import { findButton } from './bot-api/markup.js'
import { BotApiCounter, type BotApiStats, invokeMethod } from './bot-api/methods.js'
import { Params } from './bot-api/params.js'
import { botApiRouter } from './bot-api/router.js'
import { type CallbackAnswer, CallbackQueries } from './callbacks.js'
import { ChatLogs, type EmulatedMessage } from './chats.js'
import { SandboxError } from './errors.js'
import { commandEntities } from './format.js'
import { type AdminRights, type EmulatedChat, type MemberStatus, Supergroups } from './groups.js'
import { type LoginPrompt, LoginPrompts } from './login.js'
import { MessageRateLimiter, type RateLimits } from './rate-limiter.js'
import { UpdateQueue } from './update-queue.js'
import { type EmulatedUser, type NewUser, privateChat, telegramUser, UserDirectory } from './users.js'
import { WebhookDelivery, type WebhookRetry } from './webhook.js'
import { toUnixSeconds } from '../time.js'

export type {
  AdminRights,
  BotApiStats,
  CallbackAnswer,
  EmulatedChat,
  EmulatedMessage,
  EmulatedUser,
  LoginPrompt,
  MemberStatus,
  NewUser,
  RateLimits,
  WebhookRetry,
}

/** How to build a {@link TelegramEmulator}. */
export interface TelegramEmulatorOptions {
  /** The token the bot uses, `<id>:<secret>`; a call with any other is a 401. */
  readonly botToken: string
  /** The bot's username, without `@`. */
  readonly botUsername: string
  /** The bot's name. @default 'Karmagate Sandbox' */
  readonly botFirstName?: string
  /** The bot's user id. @default the number before `:` in {@link botToken} */
  readonly botId?: number
  /** Telegram's message rate limits. @default { messagesPerSecond: 30, messagesPerChatPerSecond: 1 } */
  readonly limits?: RateLimits
  /**
   * The host linked to the bot with BotFather's /setdomain: `login_url` buttons to another host
   * fail with "Bot domain invalid". @default undefined (any host)
   */
  readonly loginDomain?: string
  /** The current time in milliseconds: message dates, `auth_date`, rate limits, bans. @default Date.now */
  readonly clock?: () => number
  /** Where the emulator logs webhook failures and its own errors. @default a silent logger */
  readonly logger?: Logger
  /** How failed webhook deliveries are retried. @default { initialDelayMs: 1000, maxDelayMs: 30000, timeoutMs: 60000 } */
  readonly webhookRetry?: WebhookRetry
  /** How long {@link TelegramEmulator.pressCallbackButton} waits for the bot's answer, in ms. @default 5000 */
  readonly callbackAnswerTimeoutMs?: number
  /** The first emulated user's id. @default 100001 */
  readonly firstUserId?: number
}

/** Which button of a message: its text, or its `[row, column]`. */
export type ButtonRef = string | readonly [number, number]

/** How a user followed an invite link: a join request was filed, or they joined at once. */
export type JoinOutcome = 'requested' | 'joined'

const TOKEN_SHAPE = /^(\d+):[A-Za-z0-9_-]+$/

/**
 * A Telegram for one bot, in memory: a Bot API server (`botApiRouter`) that grammY talks to,
 * the users, chats and supergroups it talks about, and a page (`appRouter`) that plays the
 * Telegram app. Tests drive the users through the methods below; the page calls the same ones.
 */
export class TelegramEmulator {
  /** The bot's user id. */
  readonly botId: number
  /** The bot's username, without `@`. */
  readonly botUsername: string
  /** The bot's name. */
  readonly botName: string
  /** The host linked with /setdomain, if any. */
  readonly loginDomain: string | undefined

  readonly #token: string
  readonly #clock: () => number
  readonly #logger: Logger
  readonly #answerTimeoutMs: number
  readonly #users: UserDirectory
  readonly #chats: ChatLogs
  readonly #groups: Supergroups
  readonly #queue: UpdateQueue
  readonly #webhook: WebhookDelivery
  readonly #polls: LongPolls
  readonly #callbacks: CallbackQueries
  readonly #logins: LoginPrompts
  readonly #context: BotApiContext
  readonly #counter = new BotApiCounter()
  #botApiRouter: Router | undefined
  #appRouter: Router | undefined
  #ownerId: number | undefined
  #closed = false

  constructor(options: TelegramEmulatorOptions) {
    const tokenMatch = TOKEN_SHAPE.exec(options.botToken)
    const botId = options.botId ?? (tokenMatch?.[1] === undefined ? NaN : Number(tokenMatch[1]))
    if (!tokenMatch || !Number.isSafeInteger(botId) || botId <= 0) {
      throw new TypeError('TelegramEmulator: botToken must look like "<bot id>:<secret>"')
    }
    if (!/^[A-Za-z][A-Za-z0-9_]{3,31}$/.test(options.botUsername)) {
      throw new TypeError('TelegramEmulator: botUsername must be 4–32 letters, digits or underscores, without "@"')
    }
    this.botId = botId
    this.botUsername = options.botUsername
    this.botName = options.botFirstName ?? 'Karmagate Sandbox'
    this.loginDomain = options.loginDomain
    this.#token = options.botToken
    this.#clock = options.clock ?? Date.now
    this.#logger = options.logger ?? pino({ level: 'silent' })
    this.#answerTimeoutMs = options.callbackAnswerTimeoutMs ?? 5000

    const botUser: User = { id: botId, is_bot: true, first_name: this.botName, username: this.botUsername }
    const me: UserFromGetMe = {
      ...botUser,
      is_bot: true,
      username: this.botUsername,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    }
    this.#users = new UserDirectory(options.firstUserId ?? 100001)
    this.#chats = new ChatLogs(botId)
    this.#queue = new UpdateQueue(toUnixSeconds(this.#clock()) % 1_000_000_000)
    this.#groups = new Supergroups({
      bot: botUser,
      users: this.#users,
      chats: this.#chats,
      queue: this.#queue,
      clock: this.#clock,
    })
    this.#polls = new LongPolls(this.#queue)
    this.#callbacks = new CallbackQueries(this.#clock)
    this.#logins = new LoginPrompts(
      { token: this.#token, username: this.botUsername, name: this.botName, domain: this.loginDomain },
      this.#clock,
    )
    this.#webhook = new WebhookDelivery({
      queue: this.#queue,
      clock: this.#clock,
      logger: this.#logger,
      ...(options.webhookRetry ? { retry: options.webhookRetry } : {}),
      // Runs after construction, when the context exists.
      replyMethod: (method, params) =>
        invokeMethod(method, new Params(params), this.#context, this.#counter, new AbortController().signal),
    })
    this.#context = {
      me,
      botUser,
      users: this.#users,
      chats: this.#chats,
      groups: this.#groups,
      queue: this.#queue,
      webhook: this.#webhook,
      polls: this.#polls,
      limiter: new MessageRateLimiter(options.limits ?? {}, this.#clock),
      callbacks: this.#callbacks,
      commands: new BotCommands(),
      clock: this.#clock,
    }
  }

  /** The Bot API, to mount at `/sandbox/api`: grammY's `apiRoot` is then `${origin}/sandbox/api`. */
  botApiRouter(): Router {
    this.#botApiRouter ??= botApiRouter({
      token: this.#token,
      context: this.#context,
      counter: this.#counter,
      logger: this.#logger,
    })
    return this.#botApiRouter
  }

  /** The page that plays the Telegram app and its JSON control API, to mount at `/sandbox`. */
  appRouter(): Router {
    this.#appRouter ??= appRouter({ emulator: this, logger: this.#logger })
    return this.#appRouter
  }

  // ---- users ----

  /** Creates a Telegram user (ids count up from 100001); throws {@link SandboxError} on bad input. */
  createUser(input: NewUser): EmulatedUser {
    return this.#users.create(input)
  }

  /** Every user, oldest first. */
  users(): EmulatedUser[] {
    return this.#users.list()
  }

  /** The user `userId`, if any. */
  user(userId: number): EmulatedUser | undefined {
    return this.#users.get(userId)
  }

  /**
   * User `userId` sets "who can add me to groups" to nobody (`true`) or everybody: an account's
   * add then fails with `USER_PRIVACY_RESTRICTED`, as in Telegram.
   */
  setGroupAddPrivacy(userId: number, restricted: boolean): void {
    this.#users.update(this.#users.require(userId).id, { restrictsGroupAdds: restricted })
  }

  /** The bot's commands for `scope` and `languageCode`, as `getMyCommands` returns them. @default the default scope, no language */
  commands(scope?: BotCommandScope, languageCode = ''): BotCommand[] {
    return this.#context.commands.get(scope, languageCode)
  }

  /** The bot's command menu as user `userId` sees it in their private chat. */
  commandsFor(userId: number): BotCommand[] {
    const user = this.#users.require(userId)
    return this.#context.commands.forPrivateChat(userId, user.languageCode)
  }

  // ---- the private chat ----

  /**
   * User `userId` writes `text` to the bot: a `message` update, with `bot_command` entities
   * for commands. In their private chat (the default) the bot may then write to them. In
   * supergroup `chatId`, where they must be a member, the bot hears it as a bot in privacy
   * mode does: everything when it is an administrator, otherwise only commands.
   */
  sendText(userId: number, text: string, chatId: number = userId): Promise<EmulatedMessage> {
    return new Promise((resolve) => {
      resolve(this.#sendText(userId, text, chatId))
    })
  }

  #sendText(userId: number, text: string, chatId: number): EmulatedMessage {
    this.#open()
    const user = this.#users.require(userId)
    if (text.trim() === '') throw new SandboxError('invalid_input', 'A message needs some text.')
    if (text.length > 4096) throw new SandboxError('invalid_input', 'A message has at most 4096 characters.')
    const inGroup = chatId !== userId
    if (inGroup) {
      if (!this.#groups.has(chatId))
        throw new SandboxError('chat_not_found', `There is no supergroup ${String(chatId)}.`)
      if (!['creator', 'administrator', 'member'].includes(this.#groups.status(chatId, userId))) {
        throw new SandboxError('not_a_member', 'The user is not a member of the group.')
      }
    } else {
      if (user.blockedBot) throw new SandboxError('bot_blocked', 'You blocked the bot. Unblock it to write to it.')
      this.#users.update(userId, { startedBot: true })
      this.#chats.open(privateChat(user))
    }
    const entities = commandEntities(text)
    const message = this.#chats.append(chatId, (messageId, chat) => {
      const built: Message = { message_id: messageId, date: this.#now(), chat, from: telegramUser(user), text }
      if (entities.length > 0) built.entities = entities
      return built
    })
    if (!inGroup || this.#botHears(chatId, text, entities)) this.#queue.push('message', message)
    return message
  }

  /** Privacy mode: in a group the bot hears everything as an administrator, else only its commands. */
  #botHears(chatId: number, text: string, entities: readonly { offset: number; length: number }[]): boolean {
    const status = this.#groups.status(chatId, this.botId)
    if (status === 'administrator' || status === 'creator') return true
    if (status !== 'member') return false
    const mine = `@${this.botUsername.toLowerCase()}`
    return entities.some((e) => {
      const command = text.slice(e.offset, e.offset + e.length).toLowerCase()
      const at = command.indexOf('@')
      return at === -1 || command.slice(at) === mine
    })
  }

  /**
   * User `userId` presses the callback button with `callbackData` on message `messageId` in
   * chat `chatId`: a `callback_query` update. Resolves with the bot's answer, or with null if
   * it does not answer within `timeoutMs` (Telegram's app stops its spinner then).
   */
  async pressCallbackButton(
    userId: number,
    chatId: number,
    messageId: number,
    callbackData: string,
    timeoutMs = this.#answerTimeoutMs,
  ): Promise<CallbackAnswer | null> {
    this.#open()
    const user = this.#users.require(userId)
    const message = this.#visibleMessage(user, chatId, messageId)
    const button = message.reply_markup?.inline_keyboard
      .flat()
      .find((b) => 'callback_data' in b && b.callback_data === callbackData)
    if (!button) throw new SandboxError('button_not_found', 'The message has no button with this callback data.')
    const id = this.#callbacks.create()
    const query: CallbackQuery = {
      id,
      from: telegramUser(user),
      message,
      chat_instance: this.#chatInstance(chatId),
      data: callbackData,
    }
    this.#queue.push('callback_query', query)
    return this.#callbacks.waitForAnswer(id, timeoutMs)
  }

  /**
   * User `userId` taps a `login_url` button (by text or `[row, column]`): returns Telegram's
   * confirmation dialog, or throws {@link SandboxError} `bot_domain_invalid` ("Bot domain
   * invalid") when the URL's host is not the login domain, `bot_invalid` when the button names
   * another bot.
   */
  tapLoginButton(userId: number, chatId: number, messageId: number, button: ButtonRef): LoginPrompt {
    this.#open()
    const user = this.#users.require(userId)
    const message = this.#visibleMessage(user, chatId, messageId)
    const found = findButton(message.reply_markup, button)
    if (!found || !('login_url' in found))
      throw new SandboxError('button_not_found', 'The message has no such login button.')
    return this.#logins.open(user, found.login_url)
  }

  /**
   * "Log in" in the dialog: returns the URL Telegram opens, `login_url.url` with its own query
   * kept and `id`, names, `username`, `photo_url`, `auth_date` and `hash` appended, signed as
   * Telegram signs. With `allowWrite` (and a dialog that asked) the bot may now write to the user.
   */
  confirmLogin(prompt: LoginPrompt | string, options: { readonly allowWrite: boolean }): string {
    this.#open()
    const open = this.#logins.get(typeof prompt === 'string' ? prompt : prompt.id)
    const user = this.#users.require(open.userId)
    const url = this.#logins.confirm(open.id, user)
    if (options.allowWrite && open.requestWriteAccess) this.#users.update(user.id, { allowsWriteToPm: true })
    return url
  }

  /** "Cancel" in the login dialog. */
  cancelLogin(prompt: LoginPrompt | string): void {
    this.#logins.cancel(typeof prompt === 'string' ? prompt : prompt.id)
  }

  /** User `userId` blocks the bot: its messages to them are 403s; a `my_chat_member` update. */
  blockBot(userId: number): void {
    this.#setBlocked(userId, true)
  }

  /** User `userId` unblocks the bot; a `my_chat_member` update. */
  unblockBot(userId: number): void {
    this.#setBlocked(userId, false)
  }

  /** Chat `chatId`'s messages, both directions, oldest first, with edits applied. */
  chatHistory(chatId: number): EmulatedMessage[] {
    return this.#chats.history(chatId)
  }

  /** A number that changes whenever chat `chatId` changes (the page polls it). */
  chatVersion(chatId: number): number {
    return this.#chats.version(chatId)
  }

  /**
   * Resolves with the first message from the bot in chat `chatId` sent after the user's
   * latest message there that satisfies `predicate` and was not returned by an earlier call in
   * its current form (an edit makes it new again). Rejects with `EmulatorTimeoutError` after
   * `timeoutMs`.
   */
  waitForBotMessage(
    chatId: number,
    predicate?: (message: EmulatedMessage) => boolean,
    timeoutMs = 5000,
  ): Promise<EmulatedMessage> {
    return new Promise((resolve, reject) => {
      this.#open()
      if (!this.#chats.has(chatId)) {
        const user = this.#users.get(chatId)
        if (!user) throw new SandboxError('chat_not_found', `There is no chat ${String(chatId)}.`)
        this.#chats.open(privateChat(user))
      }
      this.#chats.waitForBotMessage(chatId, predicate, timeoutMs).then(resolve, reject)
    })
  }

  // ---- supergroups ----

  /**
   * Creates a private supergroup (id `-100…`) owned by `ownerId`, by default by a
   * "Sandbox Owner" user made on first use. The bot is not in it until
   * {@link setBotAdmin} or {@link addMember}.
   */
  createSupergroup(input: {
    readonly title: string
    readonly description?: string
    readonly ownerId?: number
  }): EmulatedChat {
    this.#open()
    const ownerId = input.ownerId ?? this.#defaultOwner()
    return this.#groups.create(input.title, input.description, ownerId)
  }

  /** Every supergroup, oldest first. */
  supergroups(): EmulatedChat[] {
    return this.#groups.list()
  }

  /**
   * The owner makes the bot an administrator with `rights` (missing rights are false), or
   * with null demotes it to a member: a `my_chat_member` update.
   */
  setBotAdmin(chatId: number, rights: AdminRights | null): void {
    this.#open()
    this.#groups.setBotAdmin(chatId, rights)
  }

  /**
   * User `userId` follows `inviteLink`: a `chat_join_request` update when the link creates
   * join requests, else they join at once (`chat_member`). Throws {@link SandboxError} for an
   * invalid, revoked or expired link, a banned user or a member.
   */
  requestToJoin(userId: number, inviteLink: string): JoinOutcome {
    this.#open()
    return this.#groups.followInviteLink(userId, inviteLink)
  }

  /** Pending join requests of supergroup `chatId`. */
  joinRequests(chatId: number): { userId: number; date: number; inviteLink: string | undefined }[] {
    return this.#groups.joinRequests(chatId)
  }

  /** The owner adds `userId` (or the bot, by its id) to the group: `chat_member` (or `my_chat_member`). */
  addMember(chatId: number, userId: number): void {
    this.#open()
    this.#groups.addMember(chatId, userId)
  }

  /** `userId` (or the bot) leaves the group: `chat_member` (or `my_chat_member`). */
  leaveChat(chatId: number, userId: number): void {
    this.#open()
    this.#groups.leave(chatId, userId)
  }

  /** The current members of supergroup `chatId` (creator, administrators, members) as `ChatMember`s. */
  chatMembers(chatId: number): ChatMember[] {
    return this.#groups.members(chatId)
  }

  /** `userId`'s status in supergroup `chatId`. */
  memberStatus(chatId: number, userId: number): MemberStatus {
    return this.#groups.status(chatId, userId)
  }

  /** `getWebhookInfo`'s answer: the webhook, pending updates, the last delivery error. */
  webhookInfo(): WebhookInfo {
    return this.#webhook.info()
  }

  /** How often each Bot API method was called, and how many calls were refused with 429. */
  stats(): BotApiStats {
    return this.#counter.snapshot()
  }

  /** How many updates wait for the bot (by `getUpdates` or the webhook). */
  pendingUpdateCount(): number {
    return this.#queue.size
  }

  /** Stops long polls (answered empty) and webhook delivery, ends waits, clears timers. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#webhook.close()
    this.#polls.close()
    this.#callbacks.close()
    this.#chats.close()
  }

  // ---- internals ----

  #open(): void {
    if (this.#closed) throw new SandboxError('closed', 'The emulator was closed.')
  }

  #now(): number {
    return toUnixSeconds(this.#clock())
  }

  /** A message user can see: in their private chat, or in a supergroup they are in. */
  #visibleMessage(user: EmulatedUser, chatId: number, messageId: number): Message {
    const inGroup =
      this.#groups.has(chatId) && ['creator', 'administrator', 'member'].includes(this.#groups.status(chatId, user.id))
    if (chatId !== user.id && !inGroup) throw new SandboxError('chat_not_found', 'The user cannot see this chat.')
    const message = this.#chats.history(chatId).find((m) => m.message_id === messageId)
    if (!message) throw new SandboxError('message_not_found', `There is no message ${String(messageId)} in this chat.`)
    if (message.from?.id !== this.botId)
      throw new SandboxError('button_not_found', "Only the bot's messages have buttons.")
    return message
  }

  /** Telegram's `chat_instance`: an opaque id, stable per chat. */
  #chatInstance(chatId: number): string {
    const digest = createHash('sha256')
      .update(`${String(this.botId)}:${String(chatId)}`)
      .digest()
    return digest.readBigInt64BE().toString()
  }

  #setBlocked(userId: number, blocked: boolean): void {
    this.#open()
    const user = this.#users.require(userId)
    if (user.blockedBot === blocked) return
    this.#users.update(userId, { blockedBot: blocked })
    this.#chats.open(privateChat(user))
    const bot = this.#context.botUser
    const member: ChatMember = { status: 'member', user: bot }
    const kicked: ChatMember = { status: 'kicked', user: bot, until_date: 0 }
    const update: ChatMemberUpdated = {
      chat: privateChat(user),
      from: telegramUser(user),
      date: this.#now(),
      old_chat_member: blocked ? member : kicked,
      new_chat_member: blocked ? kicked : member,
    }
    this.#queue.push('my_chat_member', update)
  }

  #defaultOwner(): number {
    this.#ownerId ??= this.#users.create({ firstName: 'Sandbox', lastName: 'Owner', username: 'sandbox_owner' }).id
    return this.#ownerId
  }
}
