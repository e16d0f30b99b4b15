import type { CanaryRepository, CanaryResult } from '../canary.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

interface Row {
  ok: number | null
  checked_at: number | null
  error: string | null
  duration_ms: number | null
}

/** The login canary's single result row (`canary_state`): the last run overwrites it. */
export class SqliteCanaryRepository implements CanaryRepository {
  private readonly s

  constructor(
    db: SqliteDatabase,
    /** Every write goes through it: batched, and never blocking the loop on another connection's lock. */
    private readonly writes: GroupCommit,
  ) {
    this.s = {
      read: db.prepare<[], Row>('SELECT ok, checked_at, error, duration_ms FROM canary_state WHERE id = 1'),
      record: db.prepare<[{ ok: number; checkedAt: number; error: string | null; durationMs: number }]>(
        'UPDATE canary_state SET ok = @ok, checked_at = @checkedAt, error = @error, duration_ms = @durationMs WHERE id = 1',
      ),
    }
  }

  /** The last result, or undefined before the first run. */
  async last(): Promise<CanaryResult | undefined> {
    const r = this.s.read.get()
    if (r?.ok == null || r.checked_at === null) return undefined
    return { ok: r.ok === 1, checkedAt: fromUnixSeconds(r.checked_at), error: r.error, durationMs: r.duration_ms ?? 0 }
  }

  async record(result: CanaryResult): Promise<void> {
    return this.writes.run(() => {
      this.s.record.run({
        ok: result.ok ? 1 : 0,
        checkedAt: toUnixSeconds(result.checkedAt),
        error: result.ok ? null : result.error,
        durationMs: Math.round(result.durationMs),
      })
    })
  }
}
