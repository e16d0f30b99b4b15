import type { AuditEntry, AuditRepository } from '../audit.js'
import type { NewAuditEntry } from '../../audit.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

/** The audit log: append and read, never edit. */
export class SqliteAuditRepository implements AuditRepository {
  private readonly s

  constructor(
    db: SqliteDatabase,
    /** Every write goes through it: batched, and never blocking the loop on another connection's lock. */
    private readonly writes: GroupCommit,
  ) {
    this.s = {
      insert: db.prepare<[{ at: number; actor: string; action: string; subject: string; details: string }]>(
        'INSERT INTO audit_log (at, actor, action, subject, details) VALUES (@at, @actor, @action, @subject, @details)',
      ),
      recent: db.prepare<
        [number],
        { id: number; at: number; actor: string; action: string; subject: string; details: string }
      >('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?'),
    }
  }

  /** Appends a line built by `auditEntry`. */
  async record(entry: NewAuditEntry): Promise<void> {
    return this.writes.run(() => {
      this.recordSync(entry)
    })
  }

  /** @internal for use inside another repository's transaction */
  recordSync(entry: NewAuditEntry): void {
    this.s.insert.run({ ...entry, at: toUnixSeconds(entry.at), details: JSON.stringify(entry.details) })
  }

  async recent(limit: number): Promise<AuditEntry[]> {
    return this.s.recent.all(limit).map((r) => ({
      ...r,
      at: fromUnixSeconds(r.at),
      details: JSON.parse(r.details) as Record<string, unknown>,
    }))
  }
}
