import type { ChatFullInfo } from 'grammy/types'
import { badRequest } from '../errors.js'
import type { BotApiContext, BotApiMethod } from './context.js'
import type { Params } from './params.js'
import { telegramUser } from '../users.js'
import { toUnixSeconds } from '../../time.js'

const NO_GIFTS = {
  unlimited_gifts: false,
  limited_gifts: false,
  unique_gifts: false,
  premium_subscription: false,
  gifts_from_channels: false,
}

/** `chat_id` of a group method: a supergroup, else Telegram's 400 for a private or unknown chat. */
function groupId(params: Params, context: BotApiContext): number {
  const chatId = params.chatId()
  if (context.groups.has(chatId)) return chatId
  if (context.users.get(chatId)) throw badRequest('method is available for supergroup and channel chats only')
  throw badRequest('chat not found')
}

/** A user of a private chat the bot may see: one who wrote to it or allowed it to write. */
function knownUser(context: BotApiContext, chatId: number) {
  const user = chatId > 0 ? context.users.get(chatId) : undefined
  if (!user || (!user.startedBot && !user.allowsWriteToPm)) throw badRequest('chat not found')
  return user
}

/** Reading chats and members, invite links, join requests, bans. */
export const chatMethods: Readonly<Record<string, BotApiMethod>> = {
  getChat: (params, context): ChatFullInfo => {
    const chatId = params.chatId()
    if (context.groups.has(chatId)) {
      context.groups.requireBotPresent(chatId)
      const group = context.groups.get(chatId)
      const info: ChatFullInfo.SupergroupChat = {
        ...context.groups.chat(group),
        accent_color_id: 0,
        max_reaction_count: 11,
        accepted_gift_types: NO_GIFTS,
      }
      if (group.description !== undefined) info.description = group.description
      return info
    }
    const user = knownUser(context, chatId)
    const info: ChatFullInfo.PrivateChat = {
      id: user.id,
      type: 'private',
      first_name: user.firstName,
      accent_color_id: 0,
      max_reaction_count: 11,
      accepted_gift_types: NO_GIFTS,
    }
    if (user.lastName !== undefined) info.last_name = user.lastName
    if (user.username !== undefined) info.username = user.username
    return info
  },

  getChatMember: (params, context) => {
    const chatId = params.chatId()
    const userId = params.userId()
    if (context.groups.has(chatId)) {
      context.groups.requireBotPresent(chatId)
      if (userId !== context.me.id && !context.users.get(userId)) throw badRequest('user not found')
      return context.groups.member(chatId, userId)
    }
    const user = knownUser(context, chatId)
    if (userId === context.me.id) return { status: 'member', user: context.botUser }
    if (userId !== user.id) throw badRequest('user not found')
    return { status: 'member', user: telegramUser(user) }
  },

  getChatAdministrators: (params, context) => {
    const chatId = groupId(params, context)
    context.groups.requireBotPresent(chatId)
    return context.groups.members(chatId).filter((m) => m.status === 'creator' || m.status === 'administrator')
  },

  getChatMemberCount: (params, context) => {
    const chatId = groupId(params, context)
    context.groups.requireBotPresent(chatId)
    return context.groups.members(chatId).length
  },

  createChatInviteLink: (params, context) => {
    const chatId = groupId(params, context)
    const name = params.string('name')
    if (name !== undefined && name.length > 32) throw badRequest('invite link name is too long')
    const expireDate = params.integer('expire_date')
    const memberLimit = params.integer('member_limit')
    const createsJoinRequest = params.boolean('creates_join_request') ?? false
    if (memberLimit !== undefined && (memberLimit < 1 || memberLimit > 99999))
      throw badRequest('member limit must be between 1 and 99999')
    if (createsJoinRequest && memberLimit !== undefined) {
      throw badRequest("member limit can't be specified for links requiring administrator approval")
    }
    if (expireDate !== undefined && expireDate !== 0 && expireDate <= toUnixSeconds(context.clock())) {
      throw badRequest('expire date must be in the future')
    }
    return context.groups.createInviteLink(chatId, {
      name: name || undefined,
      expireDate: expireDate || undefined,
      memberLimit,
      createsJoinRequest,
    })
  },

  revokeChatInviteLink: (params, context) => {
    const chatId = groupId(params, context)
    return context.groups.revokeInviteLink(chatId, params.requiredString('invite_link'))
  },

  approveChatJoinRequest: (params, context) => {
    const chatId = groupId(params, context)
    context.groups.approveJoinRequest(chatId, params.userId())
    return true
  },

  declineChatJoinRequest: (params, context) => {
    const chatId = groupId(params, context)
    context.groups.declineJoinRequest(chatId, params.userId())
    return true
  },

  banChatMember: (params, context) => {
    const chatId = groupId(params, context)
    const userId = params.userId()
    // revoke_messages is always true for supergroups, so it changes nothing here.
    params.boolean('revoke_messages')
    context.groups.ban(chatId, userId, params.integer('until_date'))
    return true
  },

  unbanChatMember: (params, context) => {
    const chatId = groupId(params, context)
    context.groups.unban(chatId, params.userId(), params.boolean('only_if_banned') ?? false)
    return true
  },

  leaveChat: (params, context) => {
    const chatId = groupId(params, context)
    context.groups.requireBotPresent(chatId)
    context.groups.leave(chatId, context.me.id)
    return true
  },
}
