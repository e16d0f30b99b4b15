import type { HoldRepository, TelegramAccount, TelegramHold } from '../holds.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'

interface HoldRow {
  account: TelegramAccount
  until: number
  reason: string
  updated_at: number
}

const toHold = (r: HoldRow): TelegramHold => ({
  account: r.account,
  until: r.until,
  reason: r.reason,
  updatedAt: r.updated_at,
})

/** The `telegram_holds` table; its times are ms. */
export class SqliteHoldRepository implements HoldRepository {
  private readonly s

  constructor(
    db: SqliteDatabase,
    /** Every write goes through it: batched, and never blocking the loop on another connection's lock. */
    private readonly writes: GroupCommit,
  ) {
    this.s = {
      get: db.prepare<[TelegramAccount], HoldRow>('SELECT * FROM telegram_holds WHERE account = ?'),
      extend: db.prepare<[{ account: TelegramAccount; until: number; reason: string; now: number }], HoldRow>(
        `INSERT INTO telegram_holds (account, until, reason, updated_at) VALUES (@account, @until, @reason, @now)
         ON CONFLICT (account) DO UPDATE SET until = excluded.until, reason = excluded.reason, updated_at = excluded.updated_at
           WHERE excluded.until > telegram_holds.until
         RETURNING *`,
      ),
      active: db.prepare<[number], HoldRow>('SELECT * FROM telegram_holds WHERE until > ? ORDER BY account'),
    }
  }

  async get(account: TelegramAccount): Promise<TelegramHold | undefined> {
    const row = this.s.get.get(account)
    return row && toHold(row)
  }

  async extend(account: TelegramAccount, until: number, reason: string, now: number): Promise<TelegramHold> {
    return this.writes.run(() => {
      const row = this.s.extend.get({ account, until, reason, now }) ?? this.s.get.get(account)
      if (!row) throw new Error('a hold vanished')
      return toHold(row)
    })
  }

  async active(now: number): Promise<TelegramHold[]> {
    return this.s.active.all(now).map(toHold)
  }
}
