/**
 * What the admin site's tests share: a site with two admins (ids 1001 and 3003), a client that
 * keeps cookies and reads CSRF tokens, row counts to check that a refusal changed nothing, and
 * a seed with something for every admin POST to change.
 */
import Database from 'better-sqlite3'
import { afterEach, expect } from 'vitest'
import { startTestSite, type TestSite } from '../../support/site.js'
import { deadJob } from '../../support/store.js'

/** An admin's Telegram id. */
export const ADMIN_ID = 1001
/** A member who is not an admin. */
export const MEMBER_ID = 2002

const sites: TestSite[] = []
afterEach(async () => {
  await Promise.all(sites.splice(0).map((s) => s.close()))
})
/** Starts a site whose admins are {@link ADMIN_ID} and 3003; it is closed after the test. */
export async function site(): Promise<TestSite> {
  const s = await startTestSite({ ADMIN_TELEGRAM_IDS: `${String(ADMIN_ID)},3003` })
  sites.push(s)
  return s
}

/** A form's fields; a repeated field (checkboxes) as an array. */
export type Fields = Record<string, string | readonly string[]>

/** A browser without a browser: keeps cookies, follows nothing, reads forms' CSRF tokens. */
export class Client {
  private readonly cookies = new Map<string, string>()
  constructor(private readonly s: TestSite) {}

  private remember(res: Response): void {
    for (const header of res.headers.getSetCookie()) {
      const [pair = ''] = header.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(header)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  private get cookieHeader(): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    return cookie === '' ? {} : { cookie }
  }

  async get(pathOrUrl: string): Promise<Response> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.s.url}${pathOrUrl}`
    const res = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html', ...this.cookieHeader } })
    this.remember(res)
    return res
  }

  /** GETs a page and returns its body and the CSRF token of its forms. */
  async page(path: string): Promise<{ res: Response; body: string; csrf: string }> {
    const res = await this.get(path)
    const body = await res.text()
    return { res, body, csrf: /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '' }
  }

  async post(path: string, fields: Fields): Promise<Response> {
    const form = new URLSearchParams()
    for (const [name, value] of Object.entries(fields)) {
      for (const v of typeof value === 'string' ? [value] : value) form.append(name, v)
    }
    const res = await fetch(`${this.s.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...this.cookieHeader },
      body: form.toString(),
    })
    this.remember(res)
    return res
  }

  /** Logs in as the member with this Telegram id through a signed login URL. */
  async logIn(telegramId: number, fields: Record<string, string> = {}): Promise<this> {
    const res = await this.get(
      this.s.loginUrl({
        id: String(telegramId),
        first_name: `User ${String(telegramId)}`,
        username: undefined,
        ...fields,
      }),
    )
    expect(res.status).toBe(302)
    return this
  }

  /** A POST with the CSRF token of `formPage`, as a browser submitting that page's form. */
  async submit(formPage: string, path: string, fields: Fields = {}): Promise<Response> {
    const { csrf } = await this.page(formPage)
    expect(csrf).not.toBe('')
    return this.post(path, { _csrf: csrf, ...fields })
  }
}

/** A client logged in as the admin {@link ADMIN_ID}, named Root. */
export const admin = async (s: TestSite) => new Client(s).logIn(ADMIN_ID, { first_name: 'Root' })

/** Row counts of the tables an admin can write, read from the file itself. */
export function counts(s: TestSite): Record<string, number> {
  const db = new Database(s.dbPath, { readonly: true })
  try {
    const out: Record<string, number> = {}
    for (const table of ['users', 'karma_events', 'user_groups', 'chats', 'rules', 'jobs', 'audit_log', 'api_keys']) {
      out[table] = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n
    }
    out.deadJobs = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM jobs WHERE state = 'dead'`).get()!.n
    out.enabledRules = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM rules WHERE enabled = 1').get()!.n
    out.directAddRules = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM rules WHERE direct_add = 1').get()!.n
    out.revokedKeys = db
      .prepare<[], { n: number }>('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NOT NULL')
      .get()!.n
    out.karma = db.prepare<[], { n: number }>('SELECT coalesce(sum(karma), 0) AS n FROM users').get()!.n
    return out
  } finally {
    db.close()
  }
}

/** Unix seconds, by the real clock (the site's own clock is the real one here). */
export const now = () => Date.now()

/** A member known from the bot, with no karma; resolves to their row id. */
export async function addMember(
  s: TestSite,
  telegramId: number,
  firstName: string,
  username: string | null = null,
  lastName: string | null = null,
): Promise<number> {
  return s.store.members.recordBotContact({ telegramId, firstName, lastName, username }, now())
}

/** A chat, a rule over it, a member, a dead job and a live API key: something for every POST to change. */
export async function seed(s: TestSite) {
  const memberId = await addMember(s, 5005, 'Secret Sam', 'sam')
  const chat = await s.store.chats.create('Inner circle', '', now())
  const rule = await s.store.rules.create({ groupId: null, chatId: chat.id, minKarma: 100, removeBelow: 50 }, now())
  const jobId = await deadJob(s.store, { kind: 'test.job', owner: 'bot', payload: { n: 1 } }, 'boom', Date.now())
  const key = await s.store.apiKeys.create('forum', now())
  return { memberId, chatId: chat.id, ruleId: rule.id, jobId, keyId: key.key.id }
}

/** Every page, given the seeded ids. */
export const pages = (ids: Awaited<ReturnType<typeof seed>>) => [
  '/admin',
  '/admin/',
  '/admin/members',
  `/admin/members/${String(ids.memberId)}`,
  '/admin/rules',
  '/admin/rules/new',
  `/admin/rules/${String(ids.ruleId)}/edit`,
  '/admin/chats',
  '/admin/jobs',
  '/admin/jobs?state=dead',
  '/admin/audit',
  '/admin/api-keys',
]

/** Every POST with fields that would change something, given the seeded ids. */
export const posts = (ids: Awaited<ReturnType<typeof seed>>): [string, Fields][] => [
  [
    `/admin/members/${String(ids.memberId)}/karma`,
    { delta: '+10', reason: 'nice', idempotencyKey: 'admin-AAAAAAAAAAAAAAAAAAAAAA' },
  ],
  [`/admin/members/${String(ids.memberId)}/groups`, { groups: 'webmasters' }],
  [
    '/admin/rules',
    { groupId: '', chatId: String(ids.chatId), minKarma: '5', removeBelow: '', enabled: '1', directAdd: '1' },
  ],
  [
    `/admin/rules/${String(ids.ruleId)}`,
    { groupId: '', chatId: String(ids.chatId), minKarma: '7', removeBelow: '', enabled: '1', directAdd: '1' },
  ],
  [`/admin/rules/${String(ids.ruleId)}/enabled`, { enabled: '0' }],
  [`/admin/jobs/${String(ids.jobId)}/retry`, {}],
  ['/admin/api-keys', { name: 'intruder' }],
  [`/admin/api-keys/${String(ids.keyId)}/revoke`, {}],
]
