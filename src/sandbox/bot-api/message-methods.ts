import type { Message } from 'grammy/types'
import { badRequest, forbidden, tooManyRequests } from '../errors.js'
import type { BotApiContext, BotApiMethod } from './context.js'
import { readReplyMarkup } from './markup.js'
import type { Params } from './params.js'
import { readText } from './text.js'
import { privateChat } from '../users.js'
import { toUnixSeconds } from '../../time.js'

/**
 * Requires the bot to be allowed to write to `chatId`: a supergroup it is in, or a user who
 * wrote to it, allowed it at login, or asked to join a group in the last five minutes and
 * did not block it.
 */
export function requireWritable(context: BotApiContext, chatId: number): void {
  if (context.groups.has(chatId)) {
    context.groups.requireBotPresent(chatId)
    return
  }
  if (chatId === context.me.id) throw forbidden("bot can't send messages to bots")
  const user = chatId > 0 ? context.users.get(chatId) : undefined
  if (!user) throw badRequest('chat not found')
  if (user.blockedBot) throw forbidden('bot was blocked by the user')
  if (!user.startedBot && !user.allowsWriteToPm && !context.groups.hasRecentJoinRequest(user.id)) {
    throw forbidden("bot can't initiate conversation with a user")
  }
}

/** The message a new one replies to (`reply_parameters`, or the older `reply_to_message_id`). */
function repliedMessage(params: Params, context: BotApiContext, chatId: number): Message | undefined {
  const reply = params.json('reply_parameters', badRequest("can't parse reply parameters JSON object"))
  let messageId: unknown = params.integer('reply_to_message_id')
  let allowWithout = params.boolean('allow_sending_without_reply') ?? false
  if (reply !== undefined) {
    if (typeof reply !== 'object' || reply === null) throw badRequest("can't parse reply parameters JSON object")
    const fields = reply as { message_id?: unknown; chat_id?: unknown; allow_sending_without_reply?: unknown }
    if (fields.chat_id !== undefined && fields.chat_id !== chatId) throw badRequest('message to be replied not found')
    messageId = fields.message_id
    allowWithout = fields.allow_sending_without_reply === true
  }
  if (messageId === undefined) return undefined
  const found = typeof messageId === 'number' ? context.chats.find(chatId, messageId) : undefined
  if (!found) {
    if (allowWithout) return undefined
    throw badRequest('message to be replied not found')
  }
  // Telegram nests one level only.
  const copy = structuredClone(found)
  delete copy.reply_to_message
  return copy
}

function acquireSlot(context: BotApiContext, chatId: number): void {
  const retryAfter = context.limiter.acquire(chatId)
  if (retryAfter > 0) throw tooManyRequests(retryAfter)
}

/** The bot's own message `message_id` in `chat_id`, for an edit. */
function editableMessage(params: Params, context: BotApiContext): { chatId: number; message: Message } {
  if (params.has('inline_message_id')) throw badRequest('MESSAGE_ID_INVALID')
  const chatId = params.chatId()
  const messageId = params.requiredInteger('message_id')
  requireWritable(context, chatId)
  const message = context.chats.find(chatId, messageId)
  if (!message) throw badRequest('message to edit not found')
  if (message.from?.id !== context.me.id) throw badRequest("message can't be edited")
  return { chatId, message }
}

const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'

function sameContent(
  a: Pick<Message, 'text' | 'entities' | 'reply_markup'>,
  b: Pick<Message, 'text' | 'entities' | 'reply_markup'>,
): boolean {
  const key = (m: typeof a) => JSON.stringify([m.text, m.entities ?? [], m.reply_markup ?? null])
  return key(a) === key(b)
}

/** Sending and editing messages, and answering callback buttons. */
export const messageMethods: Readonly<Record<string, BotApiMethod>> = {
  sendMessage: (params, context) => {
    const chatId = params.chatId()
    const { text, entities } = readText(params)
    const markup = readReplyMarkup(params)
    requireWritable(context, chatId)
    const replyTo = repliedMessage(params, context, chatId)
    acquireSlot(context, chatId)
    if (!context.chats.has(chatId)) context.chats.open(privateChat(context.users.require(chatId)))
    return context.chats.append(chatId, (messageId, chat) => {
      const message: Message = {
        message_id: messageId,
        date: toUnixSeconds(context.clock()),
        chat,
        from: context.botUser,
        text,
      }
      if (entities.length > 0) message.entities = entities
      if (markup?.inline) message.reply_markup = markup.inline
      if (replyTo) message.reply_to_message = replyTo as Message['reply_to_message']
      return message
    })
  },

  editMessageText: (params, context) => {
    const { text, entities } = readText(params)
    const markup = readReplyMarkup(params, true)
    const { chatId, message } = editableMessage(params, context)
    const edited: Message = { ...message, text }
    delete edited.entities
    delete edited.reply_markup
    if (entities.length > 0) edited.entities = entities
    if (markup?.inline) edited.reply_markup = markup.inline
    if (sameContent(edited, message)) throw badRequest(NOT_MODIFIED)
    acquireSlot(context, chatId)
    edited.edit_date = toUnixSeconds(context.clock())
    return context.chats.replace(chatId, edited)
  },

  editMessageReplyMarkup: (params, context) => {
    const markup = readReplyMarkup(params, true)
    const { chatId, message } = editableMessage(params, context)
    const edited: Message = { ...message }
    delete edited.reply_markup
    if (markup?.inline) edited.reply_markup = markup.inline
    if (sameContent(edited, message)) throw badRequest(NOT_MODIFIED)
    edited.edit_date = toUnixSeconds(context.clock())
    return context.chats.replace(chatId, edited)
  },

  deleteMessage: (params, context) => {
    const chatId = params.chatId()
    const messageId = params.requiredInteger('message_id')
    if (!context.chats.has(chatId)) throw badRequest('chat not found')
    if (!context.chats.remove(chatId, messageId)) throw badRequest('message to delete not found')
    return true
  },

  sendChatAction: (params, context) => {
    const chatId = params.chatId()
    params.requiredString('action')
    requireWritable(context, chatId)
    return true
  },

  answerCallbackQuery: (params, context) => {
    const id = params.requiredString(
      'callback_query_id',
      badRequest('query is too old and response timeout expired or query ID is invalid'),
    )
    const text = params.string('text')
    if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG')
    const url = params.string('url')
    context.callbacks.answer(id, {
      ...(text !== undefined && text !== '' ? { text } : {}),
      showAlert: params.boolean('show_alert') ?? false,
      ...(url !== undefined && url !== '' ? { url } : {}),
    })
    return true
  },
}
