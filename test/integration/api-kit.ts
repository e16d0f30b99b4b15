import Database from 'better-sqlite3'
import { afterEach, expect } from 'vitest'
import { brokenChains } from '../support/store.js'
import { startTestSite, type TestSite } from '../support/site.js'

/** A test site with an API key, and a client for its `/api/v1`. */
export interface ApiTestSite extends TestSite {
  /** A live key named `php-site`. */
  readonly key: string
  /**
   * Calls `/api/v1{path}` with the site's key (unless `headers.authorization` says otherwise);
   * a body is sent as JSON.
   */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>
}

/** An API answer, its body parsed. */
export interface ApiResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
}

/** The `error` of an API error body. */
export function errorOf(res: ApiResponse): { code: string; message: string; field?: string; index?: number } {
  return (res.body as { error: { code: string; message: string; field?: string; index?: number } }).error
}

const sites: TestSite[] = []
afterEach(async () => {
  await Promise.all(sites.splice(0).map((s) => s.close()))
})

/** Starts a site (closed after the test) with a key named `php-site`. */
export async function startApiSite(env: Record<string, string> = {}): Promise<ApiTestSite> {
  const site = await startTestSite(env)
  sites.push(site)
  const { secret } = await site.store.apiKeys.create('php-site', site.now())
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> => {
    const res = await fetch(`${site.url}/api/v1${path}`, {
      method,
      redirect: 'manual',
      headers: {
        authorization: `Bearer ${secret}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) }
  }
  return { ...site, key: secret, call }
}

/** Every row of the tables a link or a karma event may touch, read from the file itself. */
export function snapshot(
  dbPath: string,
): Record<'users' | 'karma_events' | 'user_groups' | 'memberships' | 'login_replays', unknown[]> {
  const db = new Database(dbPath, { readonly: true })
  try {
    // Some tables are WITHOUT ROWID: order every one by its leading columns.
    const rows = (table: string) => db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all()
    return {
      users: rows('users'),
      karma_events: rows('karma_events'),
      user_groups: rows('user_groups'),
      memberships: rows('memberships'),
      login_replays: rows('login_replays'),
    }
  } finally {
    db.close()
  }
}

/** Each member's cached karma next to the sum of their ledger. */
export function ledgerCheck(dbPath: string): { id: number; karma: number; sum: number }[] {
  const db = new Database(dbPath, { readonly: true })
  try {
    // Every member's events are also reachable through their chain (migration 009).
    expect(brokenChains(db)).toEqual([])
    return db
      .prepare<[], { id: number; karma: number; sum: number }>(
        'SELECT u.id, u.karma, coalesce((SELECT sum(delta) FROM karma_events e WHERE e.user_id = u.id), 0) AS sum FROM users u',
      )
      .all()
  } finally {
    db.close()
  }
}
