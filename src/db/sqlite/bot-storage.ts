import type { BotStorageRepository } from '../bot-storage.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { toUnixSeconds } from '../../time.js'

/** Key–value storage for the bot's plugins (conversation state), so it survives a restart. */
export class SqliteBotStorageRepository implements BotStorageRepository {
  private readonly s

  constructor(
    db: SqliteDatabase,
    /** Every write goes through it: batched, and never blocking the loop on another connection's lock. */
    private readonly writes: GroupCommit,
  ) {
    this.s = {
      read: db.prepare<[string], { value: string }>('SELECT value FROM bot_storage WHERE key = ?'),
      write: db.prepare<[{ key: string; value: string; now: number }]>(
        `INSERT INTO bot_storage (key, value, updated_at) VALUES (@key, @value, @now)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ),
      delete: db.prepare<[string]>('DELETE FROM bot_storage WHERE key = ?'),
    }
  }

  /** The JSON value stored under `key`, parsed, or undefined. */
  async read(key: string): Promise<unknown> {
    const row = this.s.read.get(key)
    return row ? (JSON.parse(row.value) as unknown) : undefined
  }

  async write(key: string, value: unknown, now: number): Promise<void> {
    return this.writes.run(() => {
      this.s.write.run({ key, value: JSON.stringify(value), now: toUnixSeconds(now) })
    })
  }

  async delete(key: string): Promise<void> {
    return this.writes.run(() => {
      this.s.delete.run(key)
    })
  }
}
