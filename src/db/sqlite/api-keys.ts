import type { ApiKey, ApiKeyRepository, ApiKeyRepositoryOptions, CreatedApiKey, CreateOnceResult } from '../api-keys.js'
import { hash, randomBytes } from 'node:crypto'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

interface ApiKeyRow {
  id: number
  name: string
  prefix: string
  created_at: number
  last_used_at: number | null
  revoked_at: number | null
}

const toKey = (r: ApiKeyRow): ApiKey => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  createdAt: fromUnixSeconds(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : fromUnixSeconds(r.last_used_at),
  revokedAt: r.revoked_at === null ? null : fromUnixSeconds(r.revoked_at),
})

/** Keys look like `kg_<43 base64url chars>`: 256 random bits, recognisable in a leaked log. */
const KEY_SHAPE = /^kg_[A-Za-z0-9_-]{43}$/

/**
 * SHA-256 of a key. A key has 256 random bits, so a fast hash is enough (no password
 * stretching needed), and looking up the hash is an index probe, not a comparison of secrets.
 */
export function hashApiKey(secret: string): string {
  return hash('sha256', secret, 'base64url')
}

/** A live key as last read from the database, by its hash. */
interface CachedKey {
  readonly key: ApiKey
  /** Unix seconds until which the row is trusted without a lookup. */
  readonly until: number
  /** Unix seconds of the last `last_used_at` written for it. */
  touchedAt: number
}

/**
 * Bearer keys for the REST API, stored hashed. A live key is remembered (by its hash, never
 * the secret) for `cacheSeconds`, so a busy client costs one hash and no query per request;
 * unknown and revoked keys are never remembered.
 */
export class SqliteApiKeyRepository implements ApiKeyRepository {
  private readonly s
  private readonly cacheSeconds: number
  private readonly cacheSize: number
  private readonly live = new Map<string, CachedKey>()

  constructor(
    db: SqliteDatabase,
    private readonly writes: GroupCommit,
    options: ApiKeyRepositoryOptions = {},
  ) {
    this.cacheSeconds = options.cacheSeconds ?? 10
    this.cacheSize = options.cacheSize ?? 10_000
    this.s = {
      insert: db.prepare<[{ name: string; prefix: string; hash: string; now: number }], ApiKeyRow>(
        `INSERT INTO api_keys (name, prefix, key_hash, created_at) VALUES (@name, @prefix, @hash, @now)
         RETURNING id, name, prefix, created_at, last_used_at, revoked_at`,
      ),
      insertOnce: db.prepare<[{ name: string; prefix: string; hash: string; now: number; nonce: string }], ApiKeyRow>(
        `INSERT INTO api_keys (name, prefix, key_hash, created_at, form_nonce) VALUES (@name, @prefix, @hash, @now, @nonce)
         ON CONFLICT (form_nonce) WHERE form_nonce IS NOT NULL DO NOTHING
         RETURNING id, name, prefix, created_at, last_used_at, revoked_at`,
      ),
      byNonce: db.prepare<[string], ApiKeyRow>(
        'SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE form_nonce = ?',
      ),
      byHash: db.prepare<[string], ApiKeyRow>(
        'SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL',
      ),
      touch: db.prepare<[number, number, number]>(
        'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND coalesce(last_used_at, 0) < ?',
      ),
      all: db.prepare<[], ApiKeyRow>(
        'SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY id',
      ),
      revoke: db.prepare<[number, number]>('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    }
  }

  /** Creates a key named `name` (1–100 characters); the secret is in the result only. */
  async create(name: string, now: number): Promise<CreatedApiKey> {
    return this.writes.run(() => {
      const secret = `kg_${randomBytes(32).toString('base64url')}`
      const row = this.s.insert.get({
        name,
        prefix: secret.slice(0, 8),
        hash: hashApiKey(secret),
        now: toUnixSeconds(now),
      })
      if (!row) throw new Error('insert returned no row')
      return { key: toKey(row), secret }
    })
  }

  /**
   * Creates a key as {@link create} does, unless the form token `nonce` (16 to 64 characters)
   * already created one: then that key, and no new one.
   */
  async createOnce(name: string, now: number, nonce: string): Promise<CreateOnceResult> {
    return this.writes.run(() => {
      const secret = `kg_${randomBytes(32).toString('base64url')}`
      const row = this.s.insertOnce.get({
        name,
        prefix: secret.slice(0, 8),
        hash: hashApiKey(secret),
        now: toUnixSeconds(now),
        nonce,
      })
      if (row) return { created: { key: toKey(row), secret } }
      const existing = this.s.byNonce.get(nonce)
      if (!existing) throw new Error('a form token refused as used names no key')
      return { existing: toKey(existing) }
    })
  }

  /** The live key for a presented secret, or undefined (malformed, unknown or revoked). */
  async authenticate(secret: string, nowMs: number): Promise<ApiKey | undefined> {
    if (!KEY_SHAPE.test(secret)) return undefined
    // In the table's unit: the cache's times are compared with `last_used_at`.
    const now = toUnixSeconds(nowMs)
    const keyHash = hashApiKey(secret)
    let cached = this.live.get(keyHash)
    if (!cached || cached.until <= now) {
      this.live.delete(keyHash)
      const row = this.s.byHash.get(keyHash)
      if (!row) return undefined
      if (this.cacheSeconds <= 0) {
        await this.touch(row.id, now)
        return toKey(row)
      }
      if (this.live.size >= this.cacheSize) this.live.clear()
      cached = { key: toKey(row), until: now + this.cacheSeconds, touchedAt: row.last_used_at ?? 0 }
      this.live.set(keyHash, cached)
    }
    // Written at most once a minute per key, so a busy client does not turn reads into writes.
    if (cached.touchedAt < now - 60) {
      await this.touch(cached.key.id, now)
      cached.touchedAt = now
    }
    return cached.key
  }

  /**
   * Notes the key's use (at most once a minute per key, so a busy client does not turn reads into
   * writes); a note that cannot be written (a locked database) only leaves `last_used_at` older.
   */
  private async touch(id: number, now: number): Promise<void> {
    await this.writes.run(() => this.s.touch.run(now, id, now - 60)).catch(() => undefined)
  }

  async list(): Promise<ApiKey[]> {
    return this.s.all.all().map(toKey)
  }

  /** Revokes a key; resolves false if it did not exist or was already revoked. */
  async revoke(id: number, now: number): Promise<boolean> {
    return this.writes.run(() => {
      for (const [keyHash, cached] of this.live) if (cached.key.id === id) this.live.delete(keyHash)
      return this.s.revoke.run(toUnixSeconds(now), id).changes === 1
    })
  }
}
