/** A member of the community site, as stored in `users`. */
export interface Member {
  readonly id: number
  readonly telegramId: number | null
  readonly externalId: string | null
  readonly firstName: string
  readonly lastName: string | null
  readonly username: string | null
  readonly photoUrl: string | null
  readonly karma: number
  /** Whether the bot may write to this member first. */
  readonly canDm: boolean
  readonly createdAt: number
  readonly lastLoginAt: number | null
}

/** What a Telegram login tells us about a member. */
export interface TelegramProfile {
  readonly telegramId: number
  readonly firstName: string
  readonly lastName: string | null
  readonly username: string | null
  readonly photoUrl: string | null
  /** True when the member allowed the bot to write to them during this login. */
  readonly allowsWriteToPm: boolean
}

/** A Telegram user who wrote to the bot. */
export interface BotContact {
  readonly telegramId: number
  readonly firstName: string
  readonly lastName: string | null
  readonly username: string | null
}

/** What {@link MemberRepository.search} looks for. */
export interface MemberSearch {
  /** A name, `@username`, Telegram id or external id; empty lists everyone. @default '' */
  readonly query?: string
  /** Only members whose id is below this: the `nextBefore` of the previous page. @default undefined (the first page) */
  readonly before?: number
  /**
   * Only members whose id is above this, the page just before them: the `prevAfter` of the
   * page after. Not together with `before`. @default undefined
   */
  readonly after?: number
  /** Members per page. @default 50 */
  readonly limit?: number
}

/** One page of {@link MemberRepository.search}. */
export interface MemberPage {
  readonly members: Member[]
  /** The `before` of the next page; undefined on the last one. */
  readonly nextBefore: number | undefined
  /** The `after` of the previous page; undefined on the first one. */
  readonly prevAfter: number | undefined
}

/** Members: lookups and the upsert a Telegram login performs. */
export interface MemberRepository {
  /** The member with our own id, if any. */
  findById(id: number): Promise<Member | undefined>

  /** The member with this Telegram username (any case, without `@`), if any. */
  findByUsername(username: string): Promise<Member | undefined>

  /** The member with this Telegram id, if any. */
  findByTelegramId(telegramId: number): Promise<Member | undefined>

  /** The member with this external (existing site's) id, if any. */
  findByExternalId(externalId: string): Promise<Member | undefined>

  /** The member with this external id, created without Telegram if there is none yet. */
  ensureExternal(externalId: string, now: number): Promise<Member>

  /**
   * Records that a Telegram user started the bot: creates or refreshes the member and marks that
   * the bot may write to them (a `/start` lifts an earlier block). Returns the member's id.
   */
  recordBotContact(contact: BotContact, now: number): Promise<number>

  /** Records a Telegram user seen in a chat; returns their member id. Does not change `canDm`. */
  recordSeen(contact: BotContact, now: number): Promise<number>

  /** Sets whether the bot may write to the member with this Telegram id (a 403 clears it). */
  setCanDm(telegramId: number, canDm: boolean, now: number): Promise<void>

  /**
   * One page of members, newest first, matching `query`: a name (substring), `@username` (prefix),
   * a Telegram id or an external id (exact). An empty query lists everyone.
   */
  search(options?: MemberSearch): Promise<MemberPage>
}
