import { randomBytes } from 'node:crypto'
import type { Chat, ChatAdministratorRights, ChatInviteLink, ChatMember, ChatMemberUpdated, User } from 'grammy/types'
import type { ChatLogs } from './chats.js'
import { badRequest, forbidden, SandboxError } from './errors.js'
import type { UpdateQueue } from './update-queue.js'
import { telegramUser, type UserDirectory } from './users.js'
import { toUnixSeconds } from '../time.js'

/** A member's status in a supergroup, as the Bot API names them. */
export type MemberStatus = 'creator' | 'administrator' | 'member' | 'left' | 'kicked'

/** Rights the bot may hold as an administrator; a missing right is `false`. */
export type AdminRights = Partial<Omit<ChatAdministratorRights, 'is_anonymous'>>

/** A supergroup as the emulator's tests and page see it. */
export interface EmulatedChat {
  /** `-100…`, as Bot API ids of supergroups are. */
  readonly id: number
  readonly type: 'supergroup'
  readonly title: string
  readonly description?: string
  /** The user who created the group. */
  readonly ownerId: number
}

/** How someone's membership changed, for the update it produces. */
interface Change {
  /** Who did it. */
  readonly actor: User
  readonly inviteLink?: ChatInviteLink
  readonly viaJoinRequest?: boolean
}

interface MemberRecord {
  status: MemberStatus
  /** For `kicked`: when the ban ends (seconds), 0 for ever. */
  untilDate: number
  rights?: ChatAdministratorRights
}

interface InviteLinkRecord {
  readonly link: string
  readonly name: string | undefined
  readonly expireDate: number | undefined
  readonly memberLimit: number | undefined
  readonly createsJoinRequest: boolean
  isRevoked: boolean
  joined: number
}

interface JoinRequestRecord {
  readonly userId: number
  readonly date: number
  readonly link: string | undefined
}

interface GroupRecord {
  readonly id: number
  readonly title: string
  readonly description: string | undefined
  readonly ownerId: number
  readonly members: Map<number, MemberRecord>
  readonly links: Map<string, InviteLinkRecord>
  readonly requests: Map<number, JoinRequestRecord>
}

/** What {@link Supergroups} needs from the emulator. */
export interface SupergroupsDeps {
  readonly bot: User
  readonly users: UserDirectory
  readonly chats: ChatLogs
  readonly queue: UpdateQueue
  /** Milliseconds. */
  readonly clock: () => number
}

/** How long a join request lets the bot write to its user, as Telegram documents. */
const JOIN_REQUEST_DM_SECONDS = 5 * 60
const FIRST_GROUP_ID = -1001000000001

function fullRights(rights: AdminRights): ChatAdministratorRights {
  return {
    is_anonymous: false,
    can_manage_chat: true,
    can_delete_messages: rights.can_delete_messages ?? false,
    can_manage_video_chats: rights.can_manage_video_chats ?? false,
    can_restrict_members: rights.can_restrict_members ?? false,
    can_promote_members: rights.can_promote_members ?? false,
    can_change_info: rights.can_change_info ?? false,
    can_invite_users: rights.can_invite_users ?? false,
    can_post_stories: rights.can_post_stories ?? false,
    can_edit_stories: rights.can_edit_stories ?? false,
    can_delete_stories: rights.can_delete_stories ?? false,
    can_pin_messages: rights.can_pin_messages ?? false,
    can_manage_topics: rights.can_manage_topics ?? false,
    can_send_welcome_messages: rights.can_send_welcome_messages ?? false,
  }
}

/** The hash of an invite link in any form Telegram accepts (`t.me/+…`, `joinchat/…`, `tg://join?invite=…`). */
function inviteHash(link: string): string | undefined {
  const trimmed = link.trim()
  const match =
    /^(?:https?:\/\/)?(?:t\.me|telegram\.me)\/(?:\+|joinchat\/)([A-Za-z0-9_-]+)\/?$/.exec(trimmed) ??
    /^tg:\/\/join\?invite=([A-Za-z0-9_-]+)$/.exec(trimmed)
  return match?.[1]
}

/**
 * The emulated supergroups: members and their statuses, the bot's rights, invite links and
 * join requests. Every status change produces the update Telegram would send: `my_chat_member`
 * for the bot, `chat_member` for others (only while the bot is an administrator), and
 * `chat_join_request` (only while the bot may invite users).
 */
export class Supergroups {
  readonly #deps: SupergroupsDeps
  readonly #groups = new Map<number, GroupRecord>()
  #nextId = FIRST_GROUP_ID

  constructor(deps: SupergroupsDeps) {
    this.#deps = deps
  }

  /** Creates a supergroup owned by `ownerId`. */
  create(title: string, description: string | undefined, ownerId: number): EmulatedChat {
    const cleanTitle = title.trim()
    if (cleanTitle === '' || cleanTitle.length > 128)
      throw new SandboxError('invalid_input', 'A group title has 1–128 characters.')
    if (description !== undefined && description.length > 255)
      throw new SandboxError('invalid_input', 'A group description has at most 255 characters.')
    this.#deps.users.require(ownerId)
    const group: GroupRecord = {
      id: this.#nextId--,
      title: cleanTitle,
      description: description?.trim() || undefined,
      ownerId,
      members: new Map([[ownerId, { status: 'creator', untilDate: 0 }]]),
      links: new Map(),
      requests: new Map(),
    }
    this.#groups.set(group.id, group)
    this.#deps.chats.open(this.chat(group))
    return this.#view(group)
  }

  /** Whether `chatId` is a supergroup. */
  has(chatId: number): boolean {
    return this.#groups.has(chatId)
  }

  /** Every supergroup, oldest first. */
  list(): EmulatedChat[] {
    return [...this.#groups.values()].map((g) => this.#view(g))
  }

  /** The supergroup `chatId`; throws {@link SandboxError} `chat_not_found`. */
  get(chatId: number): EmulatedChat {
    return this.#view(this.#require(chatId))
  }

  /** The group as the Bot API shows it in messages and updates. */
  chat(group: { readonly id: number; readonly title: string }): Chat.SupergroupChat {
    return { id: group.id, type: 'supergroup', title: group.title }
  }

  /** The group's description, for `getChat`. */
  description(chatId: number): string | undefined {
    return this.#require(chatId).description
  }

  /** `userId`'s status in `chatId` now; an expired temporary ban reads as `left`. */
  status(chatId: number, userId: number): MemberStatus {
    return this.#member(this.#require(chatId), userId).status
  }

  /** `userId`'s membership as a Bot API `ChatMember`. */
  member(chatId: number, userId: number): ChatMember {
    const group = this.#require(chatId)
    return this.#chatMember(group, userId, this.#member(group, userId))
  }

  /** The current members (creator, administrators and members) as `ChatMember`s. */
  members(chatId: number): ChatMember[] {
    const group = this.#require(chatId)
    const present: ChatMember[] = []
    for (const userId of group.members.keys()) {
      const record = this.#member(group, userId)
      if (record.status === 'creator' || record.status === 'administrator' || record.status === 'member') {
        present.push(this.#chatMember(group, userId, record))
      }
    }
    return present
  }

  /** Makes the bot an administrator with `rights`, or (with null) a plain member. */
  setBotAdmin(chatId: number, rights: AdminRights | null): void {
    const group = this.#require(chatId)
    const actor = this.#user(group.ownerId)
    const next: MemberRecord =
      rights === null
        ? { status: 'member', untilDate: 0 }
        : { status: 'administrator', untilDate: 0, rights: fullRights(rights) }
    this.#setMember(group, this.#deps.bot.id, next, { actor })
  }

  /** Adds `userId` (or the bot) to the group, as its owner would. */
  addMember(chatId: number, userId: number): void {
    const group = this.#require(chatId)
    const current = this.#member(group, userId)
    if (current.status === 'creator' || current.status === 'administrator' || current.status === 'member') {
      throw new SandboxError('already_member', 'The user is already a member of the group.')
    }
    this.#setMember(group, userId, { status: 'member', untilDate: 0 }, { actor: this.#user(group.ownerId) })
  }

  /** `userId` (or the bot) leaves the group. */
  leave(chatId: number, userId: number): void {
    const group = this.#require(chatId)
    const current = this.#member(group, userId)
    if (current.status === 'left' || current.status === 'kicked')
      throw new SandboxError('not_a_member', 'The user is not a member of the group.')
    if (current.status === 'creator')
      throw new SandboxError('invalid_input', 'The owner cannot leave the emulated group.')
    this.#setMember(group, userId, { status: 'left', untilDate: 0 }, { actor: this.#user(userId) })
  }

  /**
   * `userId` follows an invite link, as in Telegram's app: a link that creates join requests
   * files one (`chat_join_request`), any other joins at once (`chat_member`).
   */
  followInviteLink(userId: number, link: string): 'requested' | 'joined' {
    const user = this.#deps.users.require(userId)
    const hash = inviteHash(link)
    const found = hash === undefined ? undefined : this.#findLink(hash)
    if (!found || found.record.isRevoked)
      throw new SandboxError('invite_link_invalid', 'This invite link is invalid or was revoked.')
    const { group, record } = found
    const now = this.#now()
    if (record.expireDate !== undefined && record.expireDate <= now)
      throw new SandboxError('invite_link_expired', 'This invite link has expired.')
    if (record.memberLimit !== undefined && record.joined >= record.memberLimit)
      throw new SandboxError('invite_link_expired', 'This invite link has reached its member limit.')
    const status = this.#member(group, userId).status
    if (status === 'kicked') throw new SandboxError('user_banned', 'You are banned from this group.')
    if (status !== 'left') throw new SandboxError('already_member', 'You are already a member of this group.')
    if (record.createsJoinRequest) {
      if (group.requests.has(userId)) return 'requested'
      group.requests.set(userId, { userId, date: now, link: record.link })
      if (this.#botHasRight(group, 'can_invite_users')) {
        this.#deps.queue.push('chat_join_request', {
          chat: this.chat(group),
          from: telegramUser(user),
          user_chat_id: userId,
          date: now,
          invite_link: this.#linkObject(group, record),
        })
      }
      return 'requested'
    }
    record.joined++
    this.#setMember(
      group,
      userId,
      { status: 'member', untilDate: 0 },
      { actor: telegramUser(user), inviteLink: this.#linkObject(group, record) },
    )
    return 'joined'
  }

  /** Whether `userId` has a join request younger than five minutes, which lets the bot write to them. */
  hasRecentJoinRequest(userId: number): boolean {
    const now = this.#now()
    for (const group of this.#groups.values()) {
      const request = group.requests.get(userId)
      if (request && now - request.date <= JOIN_REQUEST_DM_SECONDS) return true
    }
    return false
  }

  /** Pending join requests of `chatId`, oldest first. */
  joinRequests(chatId: number): { userId: number; date: number; inviteLink: string | undefined }[] {
    return [...this.#require(chatId).requests.values()].map((r) => ({
      userId: r.userId,
      date: r.date,
      inviteLink: r.link,
    }))
  }

  // ---- what the bot does through the Bot API (Telegram's errors) ----

  /** Requires the bot to be in supergroup `chatId` (it sees the chat), for `getChat` & co. */
  requireBotPresent(chatId: number): void {
    const group = this.#groups.get(chatId)
    if (!group) throw badRequest('chat not found')
    const status = this.#member(group, this.#deps.bot.id).status
    if (status === 'kicked') throw forbidden('bot was kicked from the supergroup chat')
    if (status === 'left') throw forbidden('bot is not a member of the supergroup chat')
  }

  /** Requires the bot to be an administrator of `chatId` holding `right`, else `denied` (a 400). */
  requireBotRight(chatId: number, right: keyof AdminRights, denied: string): void {
    this.requireBotPresent(chatId)
    if (!this.#botHasRight(this.#require(chatId), right)) throw badRequest(denied)
  }

  /** `createChatInviteLink`. */
  createInviteLink(
    chatId: number,
    options: {
      name?: string | undefined
      expireDate?: number | undefined
      memberLimit?: number | undefined
      createsJoinRequest: boolean
    },
  ): ChatInviteLink {
    this.requireBotRight(chatId, 'can_invite_users', 'not enough rights to manage chat invite link')
    const group = this.#require(chatId)
    const record: InviteLinkRecord = {
      link: `https://t.me/+${randomBytes(12).toString('base64url')}`,
      name: options.name,
      expireDate: options.expireDate,
      memberLimit: options.memberLimit,
      createsJoinRequest: options.createsJoinRequest,
      isRevoked: false,
      joined: 0,
    }
    group.links.set(record.link, record)
    return this.#linkObject(group, record)
  }

  /** `revokeChatInviteLink`. */
  revokeInviteLink(chatId: number, link: string): ChatInviteLink {
    this.requireBotRight(chatId, 'can_invite_users', 'not enough rights to manage chat invite link')
    const group = this.#require(chatId)
    const record = group.links.get(link.trim())
    if (!record) throw badRequest('INVITE_HASH_EXPIRED')
    record.isRevoked = true
    return this.#linkObject(group, record)
  }

  /** `approveChatJoinRequest`. */
  approveJoinRequest(chatId: number, userId: number): void {
    this.requireBotRight(chatId, 'can_invite_users', 'CHAT_ADMIN_REQUIRED')
    const group = this.#require(chatId)
    const request = group.requests.get(userId)
    if (!request) throw badRequest('HIDE_REQUESTER_MISSING')
    group.requests.delete(userId)
    if (this.#member(group, userId).status !== 'left') throw badRequest('USER_ALREADY_PARTICIPANT')
    const record = request.link === undefined ? undefined : group.links.get(request.link)
    if (record) record.joined++
    this.#setMember(
      group,
      userId,
      { status: 'member', untilDate: 0 },
      {
        actor: this.#deps.bot,
        viaJoinRequest: true,
        ...(record ? { inviteLink: this.#linkObject(group, record) } : {}),
      },
    )
  }

  /** `declineChatJoinRequest`. */
  declineJoinRequest(chatId: number, userId: number): void {
    this.requireBotRight(chatId, 'can_invite_users', 'CHAT_ADMIN_REQUIRED')
    const group = this.#require(chatId)
    if (!group.requests.delete(userId)) throw badRequest('HIDE_REQUESTER_MISSING')
  }

  /**
   * `banChatMember`: a ban shorter than 30 seconds or longer than 366 days from now is for
   * ever, as Telegram documents.
   */
  ban(chatId: number, userId: number, untilDate: number | undefined): void {
    this.requireBotRight(chatId, 'can_restrict_members', 'not enough rights to restrict/unrestrict chat member')
    const group = this.#require(chatId)
    this.#requireKnownUser(userId)
    this.#requireRemovable(group, userId)
    const now = this.#now()
    const until = untilDate === undefined || untilDate - now < 30 || untilDate - now > 366 * 86400 ? 0 : untilDate
    group.requests.delete(userId)
    this.#setMember(group, userId, { status: 'kicked', untilDate: until }, { actor: this.#deps.bot })
  }

  /**
   * `unbanChatMember`: a banned user may join again; a member is removed too, unless
   * `onlyIfBanned`.
   */
  unban(chatId: number, userId: number, onlyIfBanned: boolean): void {
    this.requireBotRight(chatId, 'can_restrict_members', 'not enough rights to restrict/unrestrict chat member')
    const group = this.#require(chatId)
    this.#requireKnownUser(userId)
    const status = this.#member(group, userId).status
    if (status === 'kicked' || (status === 'member' && !onlyIfBanned)) {
      this.#setMember(group, userId, { status: 'left', untilDate: 0 }, { actor: this.#deps.bot })
    } else if (!onlyIfBanned && status !== 'left') {
      this.#requireRemovable(group, userId)
    }
  }

  // ---- internals ----

  #require(chatId: number): GroupRecord {
    const group = this.#groups.get(chatId)
    if (!group) throw new SandboxError('chat_not_found', `There is no supergroup ${String(chatId)}.`)
    return group
  }

  #view(group: GroupRecord): EmulatedChat {
    return group.description === undefined
      ? { id: group.id, type: 'supergroup', title: group.title, ownerId: group.ownerId }
      : { id: group.id, type: 'supergroup', title: group.title, description: group.description, ownerId: group.ownerId }
  }

  #now(): number {
    return toUnixSeconds(this.#deps.clock())
  }

  #user(userId: number): User {
    return userId === this.#deps.bot.id ? this.#deps.bot : telegramUser(this.#deps.users.require(userId))
  }

  #requireKnownUser(userId: number): void {
    if (userId !== this.#deps.bot.id && !this.#deps.users.get(userId)) throw badRequest('PARTICIPANT_ID_INVALID')
  }

  #requireRemovable(group: GroupRecord, userId: number): void {
    const status = this.#member(group, userId).status
    if (status === 'creator') throw badRequest("can't remove chat owner")
    if (status === 'administrator') throw badRequest('user is an administrator of the chat')
  }

  #member(group: GroupRecord, userId: number): MemberRecord {
    const record = group.members.get(userId)
    if (!record) return { status: 'left', untilDate: 0 }
    if (record.status === 'kicked' && record.untilDate > 0 && record.untilDate <= this.#now()) {
      record.status = 'left'
      record.untilDate = 0
    }
    return record
  }

  #botHasRight(group: GroupRecord, right: keyof AdminRights): boolean {
    const record = this.#member(group, this.#deps.bot.id)
    return record.status === 'creator' || (record.status === 'administrator' && record.rights?.[right] === true)
  }

  #chatMember(group: GroupRecord, userId: number, record: MemberRecord): ChatMember {
    const user = this.#user(userId)
    switch (record.status) {
      case 'creator':
        return { status: 'creator', user, is_anonymous: false }
      case 'administrator':
        return { status: 'administrator', user, can_be_edited: false, ...fullRights(record.rights ?? {}) }
      case 'member':
        return { status: 'member', user }
      case 'left':
        return { status: 'left', user }
      case 'kicked':
        return { status: 'kicked', user, until_date: record.untilDate }
    }
  }

  #setMember(group: GroupRecord, userId: number, next: MemberRecord, change: Change): void {
    const before = this.#chatMember(group, userId, this.#member(group, userId))
    group.members.set(userId, next)
    const after = this.#chatMember(group, userId, next)
    const isBot = userId === this.#deps.bot.id
    // Telegram tells a bot about others' changes only where it is an administrator.
    if (!isBot && this.#member(group, this.#deps.bot.id).status !== 'administrator') return
    const update: ChatMemberUpdated = {
      chat: this.chat(group),
      from: change.actor,
      date: this.#now(),
      old_chat_member: before,
      new_chat_member: after,
    }
    if (change.inviteLink) update.invite_link = change.inviteLink
    if (change.viaJoinRequest) update.via_join_request = true
    this.#deps.queue.push(isBot ? 'my_chat_member' : 'chat_member', update)
  }

  #findLink(hash: string): { group: GroupRecord; record: InviteLinkRecord } | undefined {
    for (const group of this.#groups.values()) {
      for (const record of group.links.values()) {
        if (inviteHash(record.link) === hash) return { group, record }
      }
    }
    return undefined
  }

  #linkObject(group: GroupRecord, record: InviteLinkRecord): ChatInviteLink {
    const link: ChatInviteLink = {
      invite_link: record.link,
      creator: this.#deps.bot,
      creates_join_request: record.createsJoinRequest,
      is_primary: false,
      is_revoked: record.isRevoked,
    }
    if (record.name !== undefined) link.name = record.name
    if (record.expireDate !== undefined) link.expire_date = record.expireDate
    if (record.memberLimit !== undefined) link.member_limit = record.memberLimit
    if (record.createsJoinRequest)
      link.pending_join_request_count = [...group.requests.values()].filter((r) => r.link === record.link).length
    return link
  }
}
