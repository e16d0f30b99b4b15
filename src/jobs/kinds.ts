import { PermanentJobError } from './errors.js'

/** Who runs a job: the web process's bot, or the worker's MTProto account. */
export type JobOwner = 'bot' | 'worker'

/**
 * Every kind of durable job, with who runs it. A job's dedupe key is its kind and its ids joined
 * by {@link DEDUPE_SEPARATOR} (`member.invite:12:3`): while one is queued or running, the same
 * job is not queued again. The reconcile's set-based SQL builds the same keys and payloads for
 * member jobs (see `memberChatJobColumns` in `src/db/`); a test holds them to these constructors.
 */
export const JOB_OWNERS = {
  /** Create the private supergroup a rule needs; the worker's account. */
  'chat.create': 'worker',
  /** Make a chat's join-request link. */
  'chat.link': 'bot',
  /** DM an eligible member the chat's join button. */
  'member.invite': 'bot',
  /** Remove a member the rules no longer keep (a kick they can come back from). */
  'member.remove': 'bot',
  /** Add a member the bot cannot DM, by the worker's account (direct add). */
  'member.add': 'worker',
  /** A message to a member, as a job of its own. */
  'member.notify': 'bot',
} as const satisfies Record<string, JobOwner>

/** A kind of job karmagate queues. */
export type JobKind = keyof typeof JOB_OWNERS

/** The kinds of job `owner` runs. */
export type JobKindOf<O extends JobOwner> = { [K in JobKind]: (typeof JOB_OWNERS)[K] extends O ? K : never }[JobKind]

/** The job kinds whose payload is a member and a chat ({@link MemberChatPayload}). */
export type MemberChatJobKind = 'member.invite' | 'member.remove' | 'member.add'

/** What separates a dedupe key's parts. */
export const DEDUPE_SEPARATOR = ':'

/** Attempts before a job is dead. */
export const DEFAULT_MAX_ATTEMPTS = 8

/** A job to queue: built by {@link jobs}; the runner itself takes any kind. */
export interface NewJob {
  readonly kind: string
  readonly owner: JobOwner
  readonly payload: unknown
  /** While a job with this key is queued or running, an identical one is not queued again. */
  readonly dedupeKey?: string
  /**
   * The Telegram chat the job writes to (see {@link memberLane}): one job of a lane runs at a
   * time, and lanes are spaced out as Telegram asks (a message a second per chat). None: any time.
   */
  readonly lane?: string
  /** Not before this time (ms since the epoch). @default now */
  readonly runAfter?: number
  /** @default {@link DEFAULT_MAX_ATTEMPTS} */
  readonly maxAttempts?: number
}

/** A job's payload naming a member and a chat (ours, not Telegram's ids). */
export interface MemberChatPayload {
  readonly memberId: number
  readonly chatId: number
}

/** A job's payload naming a chat. */
export interface ChatPayload {
  readonly chatId: number
}

/** Payload of a `member.notify` job. */
export interface NotifyPayload {
  readonly telegramId: number
  readonly text: string
}

/** What starts the lane of a job that writes to a member's private chat; their id follows. */
export const MEMBER_LANE_PREFIX = 'member:'

/** The lane of the jobs that write to member `memberId`'s private chat with the bot. */
export function memberLane(memberId: number): string {
  return `${MEMBER_LANE_PREFIX}${String(memberId)}`
}

/** The member jobs that write to the member's private chat, and so run in their lane. */
export const DIRECT_MESSAGE_KINDS: ReadonlySet<JobKind> = new Set(['member.invite', 'member.notify'])

/** The dedupe key of a job of `kind` about `ids`. */
export function dedupeKey(kind: JobKind, ...ids: readonly (number | string)[]): string {
  return [kind, ...ids.map(String)].join(DEDUPE_SEPARATOR)
}

const memberChatJob = (kind: MemberChatJobKind, memberId: number, chatId: number): NewJob => ({
  kind,
  owner: JOB_OWNERS[kind],
  payload: { memberId, chatId } satisfies MemberChatPayload,
  dedupeKey: dedupeKey(kind, memberId, chatId),
  ...(DIRECT_MESSAGE_KINDS.has(kind) ? { lane: memberLane(memberId) } : {}),
})

const chatJob = (kind: 'chat.create' | 'chat.link', chatId: number): NewJob => ({
  kind,
  owner: JOB_OWNERS[kind],
  payload: { chatId } satisfies ChatPayload,
  dedupeKey: dedupeKey(kind, chatId),
})

/** The typed constructors of every job karmagate queues. */
export const jobs = {
  chatCreate: (chatId: number): NewJob => chatJob('chat.create', chatId),
  chatLink: (chatId: number): NewJob => chatJob('chat.link', chatId),
  memberInvite: (memberId: number, chatId: number): NewJob => memberChatJob('member.invite', memberId, chatId),
  memberRemove: (memberId: number, chatId: number): NewJob => memberChatJob('member.remove', memberId, chatId),
  memberAdd: (memberId: number, chatId: number): NewJob => memberChatJob('member.add', memberId, chatId),
  /**
   * A message to a member. `topic` and `at` tell one message from another: the same topic at the
   * same time is sent once.
   */
  memberNotify: (params: {
    readonly memberId: number
    readonly telegramId: number
    readonly text: string
    readonly topic: readonly (number | string)[]
  }): NewJob => ({
    kind: 'member.notify',
    owner: JOB_OWNERS['member.notify'],
    payload: { telegramId: params.telegramId, text: params.text } satisfies NotifyPayload,
    dedupeKey: dedupeKey('member.notify', ...params.topic),
    lane: memberLane(params.memberId),
  }),
} as const

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

/** Reads a `{ memberId, chatId }` payload, or throws {@link PermanentJobError} for a malformed one. */
export function memberChatPayload(payload: unknown): MemberChatPayload {
  if (!isObject(payload) || !Number.isSafeInteger(payload.memberId) || !Number.isSafeInteger(payload.chatId)) {
    // A malformed payload never becomes well-formed: no point in retrying it.
    throw new PermanentJobError(`bad job payload: ${JSON.stringify(payload)}`)
  }
  return { memberId: payload.memberId as number, chatId: payload.chatId as number }
}

/** Reads a `{ chatId }` payload, or throws {@link PermanentJobError}. */
export function chatPayload(payload: unknown): ChatPayload {
  if (!isObject(payload) || !Number.isSafeInteger(payload.chatId)) {
    throw new PermanentJobError(`bad job payload: ${JSON.stringify(payload)}`)
  }
  return { chatId: payload.chatId as number }
}

/** Reads a `member.notify` payload, or throws {@link PermanentJobError}. */
export function notifyPayload(payload: unknown): NotifyPayload {
  if (!isObject(payload) || !Number.isSafeInteger(payload.telegramId) || typeof payload.text !== 'string') {
    throw new PermanentJobError(`bad job payload: ${JSON.stringify(payload)}`)
  }
  return { telegramId: payload.telegramId as number, text: payload.text }
}
