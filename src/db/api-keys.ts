/** An API key as stored: never the key itself. */
export interface ApiKey {
  readonly id: number
  readonly name: string
  /** The key's first characters, to recognise it in lists. */
  readonly prefix: string
  readonly createdAt: number
  readonly lastUsedAt: number | null
  readonly revokedAt: number | null
}

/** A key just created: `secret` is shown once and never stored. */
export interface CreatedApiKey {
  readonly key: ApiKey
  readonly secret: string
}

/**
 * What {@link ApiKeyRepository.createOnce} did: created the key, or found the one the same form
 * token already created (whose secret is gone).
 */
export type CreateOnceResult = { readonly created: CreatedApiKey } | { readonly existing: ApiKey }

/** Options of {@link ApiKeyRepository}. */
export interface ApiKeyRepositoryOptions {
  /**
   * How long a key found live is trusted without asking the database again, in seconds. A key
   * revoked through this repository stops working at once; one revoked by another process (or
   * by hand in the database) within this long. 0 asks the database on every request.
   * @default 10
   */
  readonly cacheSeconds?: number
  /** Most keys remembered at once; past it the memory starts over. @default 10000 */
  readonly cacheSize?: number
}

/**
 * Bearer keys for the REST API, stored hashed. A live key is remembered (by its hash, never
 * the secret) for `cacheSeconds`, so a busy client costs one hash and no query per request;
 * unknown and revoked keys are never remembered.
 */
export interface ApiKeyRepository {
  /** Creates a key named `name` (1–100 characters); the secret is in the result only. */
  create(name: string, now: number): Promise<CreatedApiKey>

  /**
   * Creates a key as {@link create} does, unless the form token `nonce` (16 to 64 characters)
   * already created one: then that key, and no new one.
   */
  createOnce(name: string, now: number, nonce: string): Promise<CreateOnceResult>

  /** The live key for a presented secret, or undefined (malformed, unknown or revoked). */
  authenticate(secret: string, now: number): Promise<ApiKey | undefined>

  list(): Promise<ApiKey[]>

  /** Revokes a key; resolves false if it did not exist or was already revoked. */
  revoke(id: number, now: number): Promise<boolean>
}
