import type { BotContact, Member, MemberPage, MemberRepository, MemberSearch, TelegramProfile } from '../members.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

interface MemberRow {
  id: number
  telegram_id: number | null
  external_id: string | null
  first_name: string
  last_name: string | null
  username: string | null
  photo_url: string | null
  karma: number
  can_dm: number
  created_at: number
  last_login_at: number | null
}

/** The columns of a member that a `/start` may change, and the id. */
type ContactStateRow = Pick<MemberRow, 'id' | 'first_name' | 'last_name' | 'username' | 'can_dm'>

interface BotContactParams extends BotContact {
  readonly now: number
}

interface UpsertParams {
  telegramId: number
  firstName: string
  lastName: string | null
  username: string | null
  photoUrl: string | null
  canDm: number
  now: number
}

interface SearchParams {
  text: string | null
  telegramId: number | null
  usernamePrefix: string | null
  namePattern: string | null
  before: number | null
  after: number | null
  limit: number
}

/** Escapes LIKE's wildcards so a member's `%` or `_` matches itself. */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (ch) => `\\${ch}`)

function searchParams(query: string): Pick<SearchParams, 'text' | 'telegramId' | 'usernamePrefix' | 'namePattern'> {
  const text = query.trim()
  if (text === '') return { text: null, telegramId: null, usernamePrefix: null, namePattern: null }
  const digits = /^\d{1,16}$/.test(text) ? Number(text) : NaN
  // `@ada` means a username only; anything else may be any of the four.
  const username = text.startsWith('@') ? text.slice(1) : text
  return {
    text,
    telegramId: Number.isSafeInteger(digits) ? digits : null,
    usernamePrefix: username === '' ? null : `${likeLiteral(username)}%`,
    namePattern: text.startsWith('@') ? null : `%${likeLiteral(text)}%`,
  }
}

const toMember = (row: MemberRow): Member => ({
  id: row.id,
  telegramId: row.telegram_id,
  externalId: row.external_id,
  firstName: row.first_name,
  lastName: row.last_name,
  username: row.username,
  photoUrl: row.photo_url,
  karma: row.karma,
  canDm: row.can_dm === 1,
  createdAt: fromUnixSeconds(row.created_at),
  lastLoginAt: row.last_login_at === null ? null : fromUnixSeconds(row.last_login_at),
})

/** Members: lookups and the upsert a Telegram login performs. */
export class SqliteMemberRepository implements MemberRepository {
  private readonly byIdStatement
  private readonly byTelegramIdStatement
  private readonly byUsernameStatement
  private readonly upsertStatement
  private readonly contactStatement
  private readonly contactStateStatement
  private readonly canDmStatement
  private readonly byExternalIdStatement
  private readonly insertExternalStatement
  private readonly seenStatement
  private readonly searchStatement
  private readonly searchBackStatement

  constructor(
    db: SqliteDatabase,
    /** Every write goes through it: batched, and never blocking the loop on another connection's lock. */
    private readonly writes: GroupCommit,
  ) {
    this.byIdStatement = db.prepare<[number], MemberRow>('SELECT * FROM users WHERE id = ?')
    this.byTelegramIdStatement = db.prepare<[number], MemberRow>('SELECT * FROM users WHERE telegram_id = ?')
    this.byExternalIdStatement = db.prepare<[string], MemberRow>('SELECT * FROM users WHERE external_id = ?')
    // The site may address a member before they link Telegram: such a member starts without it.
    this.insertExternalStatement = db.prepare<[{ externalId: string; now: number }]>(
      'INSERT INTO users (external_id, created_at, updated_at) VALUES (@externalId, @now, @now) ON CONFLICT (external_id) DO NOTHING',
    )
    this.byUsernameStatement = db.prepare<[string], MemberRow>(
      'SELECT * FROM users WHERE username = ? COLLATE NOCASE ORDER BY last_login_at DESC NULLS LAST LIMIT 1',
    )
    // Telegram is the source of truth for names and photo; can_dm only ever gains here
    // (losing it is learned from a 403 when the bot writes).
    this.upsertStatement = db.prepare<[UpsertParams], { id: number }>(
      `INSERT INTO users (telegram_id, first_name, last_name, username, photo_url, can_dm, created_at, updated_at, last_login_at)
       VALUES (@telegramId, @firstName, @lastName, @username, @photoUrl, @canDm, @now, @now, @now)
       ON CONFLICT (telegram_id) DO UPDATE SET
         first_name = excluded.first_name, last_name = excluded.last_name, username = excluded.username,
         photo_url = excluded.photo_url, can_dm = max(users.can_dm, excluded.can_dm),
         updated_at = excluded.updated_at, last_login_at = excluded.last_login_at
       RETURNING id`,
    )
    // A member who writes to the bot is known by Telegram id even before any site login.
    this.contactStatement = db.prepare<[BotContactParams], { id: number }>(
      `INSERT INTO users (telegram_id, first_name, last_name, username, can_dm, created_at, updated_at)
       VALUES (@telegramId, @firstName, @lastName, @username, 1, @now, @now)
       ON CONFLICT (telegram_id) DO UPDATE SET
         first_name = excluded.first_name, last_name = excluded.last_name, username = excluded.username,
         can_dm = 1, updated_at = excluded.updated_at
       RETURNING id`,
    )
    // What recordBotContact compares before it writes: only the fields a /start may change.
    this.contactStateStatement = db.prepare<[number], ContactStateRow>(
      'SELECT id, first_name, last_name, username, can_dm FROM users WHERE telegram_id = ?',
    )
    // Seen in a chat (joining, asking to join): known by Telegram id, but that grants no DMs.
    this.seenStatement = db.prepare<[BotContactParams], { id: number }>(
      `INSERT INTO users (telegram_id, first_name, last_name, username, created_at, updated_at)
       VALUES (@telegramId, @firstName, @lastName, @username, @now, @now)
       ON CONFLICT (telegram_id) DO UPDATE SET
         first_name = excluded.first_name, last_name = excluded.last_name, username = excluded.username,
         updated_at = excluded.updated_at
       RETURNING id`,
    )
    this.canDmStatement = db.prepare<[number, number, number]>(
      'UPDATE users SET can_dm = ?, updated_at = ? WHERE telegram_id = ?',
    )
    // Newest first, walking the rowid backwards, so a page stops after `limit` matches instead of
    // sorting the table. The name match cannot use an index; exact ids and usernames are cheap.
    // The previous page walks forwards from above the page's first member, then is turned round.
    const matches = `(@before IS NULL OR id < @before)
         AND (@after IS NULL OR id > @after)
         AND (@text IS NULL
           OR telegram_id = @telegramId
           OR external_id = @text
           OR username LIKE @usernamePrefix ESCAPE '\\'
           OR (@namePattern IS NOT NULL AND (first_name || ' ' || coalesce(last_name, '')) LIKE @namePattern ESCAPE '\\'))`
    this.searchStatement = db.prepare<[SearchParams], MemberRow>(
      `SELECT * FROM users WHERE ${matches} ORDER BY id DESC LIMIT @limit`,
    )
    this.searchBackStatement = db.prepare<[SearchParams], MemberRow>(
      `SELECT * FROM users WHERE ${matches} ORDER BY id ASC LIMIT @limit`,
    )
  }

  /** The member with our own id, if any. */
  async findById(id: number): Promise<Member | undefined> {
    const row = this.byIdStatement.get(id)
    return row && toMember(row)
  }

  /** The member with this Telegram username (any case, without `@`), if any. */
  async findByUsername(username: string): Promise<Member | undefined> {
    const row = this.byUsernameStatement.get(username)
    return row && toMember(row)
  }

  /** The member with this Telegram id, if any. */
  async findByTelegramId(telegramId: number): Promise<Member | undefined> {
    const row = this.byTelegramIdStatement.get(telegramId)
    return row && toMember(row)
  }

  /** The member with this external (existing site's) id, if any. */
  async findByExternalId(externalId: string): Promise<Member | undefined> {
    const row = this.byExternalIdStatement.get(externalId)
    return row && toMember(row)
  }

  /** The member with this external id, created without Telegram if there is none yet. */
  async ensureExternal(externalId: string, now: number): Promise<Member> {
    return this.writes.run(() => {
      this.insertExternalStatement.run({ externalId, now: toUnixSeconds(now) })
      const row = this.byExternalIdStatement.get(externalId)
      if (!row) throw new Error('insert returned no row')
      return toMember(row)
    })
  }

  /**
   * Records that a Telegram user started the bot: creates or refreshes the member and marks that
   * the bot may write to them (a `/start` lifts an earlier block). Returns the member's id.
   */
  async recordBotContact(contact: BotContact, now: number): Promise<number> {
    // Most /start updates come from members already known as they are: a read, not a write.
    const known = this.contactStateStatement.get(contact.telegramId)
    if (
      known &&
      known.can_dm === 1 &&
      known.first_name === contact.firstName &&
      known.last_name === contact.lastName &&
      known.username === contact.username
    ) {
      return known.id
    }
    return this.writes.run(() => {
      const row = this.contactStatement.get({ ...contact, now: toUnixSeconds(now) })
      if (!row) throw new Error('upsert returned no row')
      return row.id
    })
  }

  /** Records a Telegram user seen in a chat; returns their member id. Does not change `canDm`. */
  async recordSeen(contact: BotContact, now: number): Promise<number> {
    return this.writes.run(() => {
      const row = this.seenStatement.get({ ...contact, now: toUnixSeconds(now) })
      if (!row) throw new Error('upsert returned no row')
      return row.id
    })
  }

  /** Sets whether the bot may write to the member with this Telegram id (a 403 clears it). */
  async setCanDm(telegramId: number, canDm: boolean, now: number): Promise<void> {
    return this.writes.run(() => {
      this.canDmStatement.run(canDm ? 1 : 0, toUnixSeconds(now), telegramId)
    })
  }

  /**
   * One page of members, newest first, matching `query`: a name (substring), `@username` (prefix),
   * a Telegram id or an external id (exact). An empty query lists everyone.
   */
  async search(options: MemberSearch = {}): Promise<MemberPage> {
    const limit = options.limit ?? 50
    const match = searchParams(options.query ?? '')
    const none = { before: null, after: null }
    if (options.after !== undefined && options.before !== undefined)
      throw new RangeError('search takes before or after, not both')
    if (options.after === undefined) {
      const rows = this.searchStatement.all({ ...match, ...none, before: options.before ?? null, limit: limit + 1 })
      const members = rows.slice(0, limit).map(toMember)
      const first = members[0]
      const last = members.at(-1)
      // A later page has a previous one when anything newer than its first member matches.
      const newer =
        options.before !== undefined &&
        first !== undefined &&
        this.searchBackStatement.get({ ...match, ...none, after: first.id, limit: 1 }) !== undefined
      return {
        members,
        nextBefore: rows.length > limit && last ? last.id : undefined,
        prevAfter: newer ? first.id : undefined,
      }
    }
    const rows = this.searchBackStatement.all({ ...match, ...none, after: options.after, limit: limit + 1 })
    const members = rows.slice(0, limit).reverse().map(toMember)
    const first = members[0]
    const last = members.at(-1)
    const older =
      last !== undefined && this.searchStatement.get({ ...match, ...none, before: last.id, limit: 1 }) !== undefined
    return {
      members,
      nextBefore: older ? last.id : undefined,
      prevAfter: rows.length > limit && first ? first.id : undefined,
    }
  }

  /**
   * Creates or refreshes the member behind a Telegram login; returns their id. Synchronous so it
   * can run inside another repository's transaction.
   * @internal
   */
  upsertFromTelegramSync(profile: TelegramProfile, now: number): number {
    const row = this.upsertStatement.get({
      telegramId: profile.telegramId,
      firstName: profile.firstName,
      lastName: profile.lastName,
      username: profile.username,
      photoUrl: profile.photoUrl,
      canDm: profile.allowsWriteToPm ? 1 : 0,
      now: toUnixSeconds(now),
    })
    if (!row) throw new Error('upsert returned no row')
    return row.id
  }
}
