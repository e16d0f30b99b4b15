import type { SqliteDatabase } from './open.js'

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

interface UpsertParams {
  telegramId: number
  firstName: string
  lastName: string | null
  username: string | null
  photoUrl: string | null
  canDm: number
  now: number
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
  createdAt: row.created_at,
  lastLoginAt: row.last_login_at,
})

/** Members: lookups and the upsert a Telegram login performs. */
export class MemberRepository {
  private readonly byIdStatement
  private readonly byTelegramIdStatement
  private readonly upsertStatement

  constructor(db: SqliteDatabase) {
    this.byIdStatement = db.prepare<[number], MemberRow>('SELECT * FROM users WHERE id = ?')
    this.byTelegramIdStatement = db.prepare<[number], MemberRow>('SELECT * FROM users WHERE telegram_id = ?')
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
  }

  /** The member with our own id, if any. */
  findById(id: number): Promise<Member | undefined> {
    const row = this.byIdStatement.get(id)
    return Promise.resolve(row && toMember(row))
  }

  /** The member with this Telegram id, if any. */
  findByTelegramId(telegramId: number): Promise<Member | undefined> {
    const row = this.byTelegramIdStatement.get(telegramId)
    return Promise.resolve(row && toMember(row))
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
      now,
    })
    if (!row) throw new Error('upsert returned no row')
    return row.id
  }
}
