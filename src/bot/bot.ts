import { autoRetry } from '@grammyjs/auto-retry'
import { conversations } from '@grammyjs/conversations'
import { sequentialize } from '@grammyjs/runner'
import { Api, Bot, type Context } from 'grammy'
import type { ConversationData, VersionedState } from '@grammyjs/conversations'
import type { UserFromGetMe } from 'grammy/types'
import { type BotContext, type BotDeps, nowOf } from './context.js'
import { logBotError } from './errors.js'
import { botStatusFeature } from './features/bot-status.js'
import { chatMembersFeature } from './features/chat-members.js'
import { chatsFeature } from './features/chats.js'
import { helpFeature } from './features/help.js'
import { joinRequestsFeature } from './features/join-requests.js'
import { karmaCommandFeature } from './features/karma-command.js'
import { rulesFeature, rulesRefusalFeature } from './features/rules-conversation.js'
import { loginFeature } from './features/login.js'
import { meFeature } from './features/me.js'
import { startFeature } from './features/start.js'
import { markBlockedMembers } from './mark-blocked.js'
import { type BotApiLimits, botApiGate, botApiLimits } from './api-gate.js'
import { secondsToMs } from '../time.js'

/** Options of {@link createBot} beyond its dependencies. */
export interface CreateBotOptions {
  /** Who the bot is, when already known (skips `getMe` in `bot.init()`). */
  readonly botInfo?: UserFromGetMe
  /**
   * Longest `retry_after` (seconds) the bot waits out before giving up on a call; longer waits
   * belong to the durable job queue, not to a handler. @default 30
   */
  readonly maxRetryDelaySeconds?: number
}

/**
 * Builds karmagate's grammY bot (not started). Every call goes to `TELEGRAM_API_ROOT`
 * (Telegram, a self-hosted Bot API server, or the emulator), waits out `retry_after`, and a 403
 * marks the member as not reachable. Features sit behind one error boundary.
 *
 * Webhook replies are allowed for `sendMessage` and `answerCallbackQuery`: the first such call of
 * an update rides on the webhook's HTTP response instead of a request of its own, so a handler
 * must not rely on the result of its first `sendMessage` (it is `true` in webhook mode).
 */
export function createBot(deps: BotDeps, options: CreateBotOptions = {}): Bot<BotContext> {
  const bot = new Bot<BotContext>(deps.config.botToken, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    client: {
      apiRoot: deps.config.telegramApiRoot,
      canUseWebhookReply: (method) => method === 'sendMessage' || method === 'answerCallbackQuery',
    },
  })
  // Nearest the network, the gate: no call while Telegram holds the bot, a deadline on each. Only
  // Telegram's own "retry after" is waited out here (a reply waits up to the auto-retry's limit).
  // A network failure is thrown at once: the start-up loop, the polling runner and the job queue
  // each retry in their own way.
  const maxDelaySeconds = options.maxRetryDelaySeconds ?? 30
  const transformers = [
    botApiGate({
      ...(deps.limits ?? botApiLimits(deps.store.holds, deps.logger, deps.clock)),
      timeoutMs: secondsToMs(deps.config.botApiTimeoutSeconds ?? 15),
      maxWaitMs: secondsToMs(maxDelaySeconds),
      logger: deps.logger,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
    markBlockedMembers(deps.store, deps.logger, deps.clock),
    autoRetry({ maxRetryAttempts: 3, maxDelaySeconds, rethrowHttpErrors: true }),
  ]
  for (const transformer of transformers) bot.api.config.use(transformer)

  // One chat's updates in order (conversations rely on it), different chats in parallel, both
  // under the polling runner and with concurrent webhook requests.
  bot.use(sequentialize((ctx: BotContext) => ctx.chat?.id.toString()))
  // Telegram's user ids are positive: an update naming another (a forged or broken one) is
  // noted and dropped, never stored.
  bot.use(async (ctx, next) => {
    const ids = [ctx.from?.id, ctx.chatMember?.new_chat_member.user.id, ctx.chatJoinRequest?.from.id]
    if (ids.some((id) => id !== undefined && !(Number.isSafeInteger(id) && id > 0))) {
      deps.logger.warn({ updateId: ctx.update.update_id }, 'update with an impossible user id ignored')
      return
    }
    await next()
  })
  const features = bot.errorBoundary(logBotError(deps.logger))
  // Conversations read their state on every update they see; only admins in private chats can
  // be in one (/rules), so no one else's update pays for that read.
  const admins = deps.config.adminTelegramIds
  features
    .filter((ctx) => ctx.chat?.type === 'private' && ctx.from !== undefined && admins.has(ctx.from.id))
    .use(
      conversations<BotContext, Context>({
        storage: {
          type: 'key',
          // Bump when a conversation's steps change incompatibly: stored ones are then dropped.
          version: 1,
          prefix: 'conversation:',
          adapter: {
            read: (key) => deps.store.botStorage.read(key) as Promise<VersionedState<ConversationData> | undefined>,
            write: (key, state) => deps.store.botStorage.write(key, state, nowOf(deps)),
            delete: (key) => deps.store.botStorage.delete(key),
          },
        },
        // Conversations build their own Api from the token and client options (so apiRoot holds),
        // but not its transformers: install them again inside every conversation.
        plugins: [
          async (ctx, next) => {
            for (const transformer of transformers) ctx.api.config.use(transformer)
            await next()
          },
        ],
      }),
      rulesFeature(deps),
    )
  features.use(
    joinRequestsFeature(deps),
    chatMembersFeature(deps),
    botStatusFeature(deps),
    startFeature(deps),
    loginFeature(deps),
    meFeature(deps),
    chatsFeature(deps),
    karmaCommandFeature(deps),
    rulesRefusalFeature(deps),
    helpFeature(deps),
  )
  // Errors outside the boundary (none expected) still must not crash a polling loop.
  bot.catch(logBotError(deps.logger))
  return bot
}

/**
 * The Bot API client for the bot's durable jobs: the same API root and 403 bookkeeping as the
 * bot, but no auto-retry. A 429 inside a job goes back to the job runner, which reschedules
 * that job for exactly `retry_after` and runs the others meanwhile; waiting it out in place
 * would stall the whole queue behind one refused message.
 */
export function createJobsApi(
  deps: Pick<BotDeps, 'store' | 'logger' | 'clock'> & {
    readonly config: Pick<BotDeps['config'], 'botToken' | 'telegramApiRoot' | 'botApiTimeoutSeconds'>
    /** The same limits as the bot's (see {@link BotDeps.limits}). */
    readonly limits: BotApiLimits
  },
): Api {
  const api = new Api(deps.config.botToken, { apiRoot: deps.config.telegramApiRoot })
  // A job never waits for a hold: it is refused at once, and the runner reschedules it.
  api.config.use(
    botApiGate({
      ...deps.limits,
      timeoutMs: secondsToMs(deps.config.botApiTimeoutSeconds ?? 15),
      maxWaitMs: 0,
      logger: deps.logger,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
  )
  api.config.use(markBlockedMembers(deps.store, deps.logger, deps.clock))
  return api
}
