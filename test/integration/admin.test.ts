/**
 * The admin site over real HTTP and a temp SQLite file: who may see it, CSRF on every form,
 * and each page family's reads and writes, with the database checked after every refusal.
 */
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestSite, type TestSite } from '../support/site.js'
import { appendKarmaEvent } from '../../src/karma/append.js'

const ADMIN_ID = 1001
const MEMBER_ID = 2002

const sites: TestSite[] = []
afterEach(async () => {
  await Promise.all(sites.splice(0).map((s) => s.close()))
})
async function site(): Promise<TestSite> {
  const s = await startTestSite({ ADMIN_TELEGRAM_IDS: `${String(ADMIN_ID)},3003` })
  sites.push(s)
  return s
}

type Fields = Record<string, string | readonly string[]>

/** A browser without a browser: keeps cookies, follows nothing, reads forms' CSRF tokens. */
class Client {
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

const admin = async (s: TestSite) => new Client(s).logIn(ADMIN_ID, { first_name: 'Root' })

/** Row counts of the tables an admin can write, read from the file itself. */
function counts(s: TestSite): Record<string, number> {
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

const now = () => Math.floor(Date.now() / 1000)

async function addMember(
  s: TestSite,
  telegramId: number,
  firstName: string,
  username: string | null = null,
  lastName: string | null = null,
): Promise<number> {
  return s.store.members.recordBotContact({ telegramId, firstName, lastName, username }, now())
}

/** A chat, a rule over it, a member, a dead job and a live API key: something for every POST to change. */
async function seed(s: TestSite) {
  const memberId = await addMember(s, 5005, 'Secret Sam', 'sam')
  const chat = await s.store.chats.create('Inner circle', '', now())
  const rule = await s.store.rules.create({ groupId: null, chatId: chat.id, minKarma: 100, removeBelow: 50 }, now())
  const jobId = (await s.store.jobs.enqueue({ kind: 'test.job', owner: 'bot', payload: { n: 1 } }, Date.now()))!
  await s.store.jobs.kill(jobId, 'boom', Date.now())
  const key = await s.store.apiKeys.create('forum', now())
  return { memberId, chatId: chat.id, ruleId: rule.id, jobId, keyId: key.key.id }
}

/** Every page, given the seeded ids. */
const pages = (ids: Awaited<ReturnType<typeof seed>>) => [
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
const posts = (ids: Awaited<ReturnType<typeof seed>>): [string, Fields][] => [
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

describe('access to /admin', () => {
  it('sends a visitor who is not logged in to / (302) from every page and POST, changing nothing', async () => {
    const s = await site()
    const ids = await seed(s)
    const before = counts(s)
    const visitor = new Client(s)
    for (const path of pages(ids)) {
      const res = await visitor.get(path)
      expect(res.status, path).toBe(302)
      expect(res.headers.get('location'), path).toBe('/')
      expect(await res.text(), path).not.toContain('Secret Sam')
    }
    for (const [path, fields] of posts(ids)) {
      const res = await visitor.post(path, fields)
      expect(res.status, path).toBe(302)
      expect(res.headers.get('location'), path).toBe('/')
    }
    expect(counts(s)).toEqual(before)
  })

  it('brings the admin back to the page they asked for after logging in', async () => {
    const s = await site()
    const client = new Client(s)
    expect((await client.get('/admin/jobs?state=dead')).status).toBe(302)
    const login = await client.get(s.loginUrl({ id: String(ADMIN_ID) }))
    expect(login.headers.get('location')).toBe('/admin/jobs?state=dead')
  })

  it('answers 403 to a member who is not an admin, on every page and POST (with a valid CSRF token), leaking nothing', async () => {
    const s = await site()
    const ids = await seed(s)
    const member = await new Client(s).logIn(MEMBER_ID)
    const before = counts(s)
    for (const path of pages(ids)) {
      const res = await member.get(path)
      expect(res.status, path).toBe(403)
      const body = await res.text()
      expect(body, path).toContain('for the site’s admins only')
      expect(body, path).not.toContain('Secret Sam')
      expect(body, path).not.toContain('Inner circle')
      expect(body, path).not.toContain('forum')
    }
    // A token the member legitimately holds (from /me's logout form) is not a way in.
    for (const [path, fields] of posts(ids)) {
      const res = await member.submit('/me', path, fields)
      expect(res.status, path).toBe(403)
    }
    expect(counts(s)).toEqual(before)
  })

  it('lets an admin see every page, never cached', async () => {
    const s = await site()
    const ids = await seed(s)
    const client = await admin(s)
    for (const path of pages(ids)) {
      const res = await client.get(path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('cache-control'), path).toBe('no-store')
      expect(res.headers.get('content-security-policy'), path).not.toContain('unsafe-inline')
    }
    const css = await client.get('/admin/static/admin.css')
    expect(css.status).toBe(200)
    expect(css.headers.get('content-type')).toMatch(/text\/css/)
    expect((await client.get('/admin/nothing-here')).status).toBe(404)
  })
})

describe('the worker on the dashboard', () => {
  it('says when no account is logged in, then who is, and a pause with its reason (escaped)', async () => {
    const s = await site()
    const client = await admin(s)
    expect((await client.page('/admin')).body).toContain('No Telegram account is logged in yet')
    const now = Math.floor(Date.now() / 1000)
    await s.store.workerState.recordSeen(777, '<b>Gate</b> Keeper', now)
    await s.store.workerState.setPause(now + 3600, 'PEER_FLOOD')
    const { body } = await client.page('/admin')
    expect(body).toContain('Logged in as <strong>&lt;b&gt;Gate&lt;/b&gt; Keeper</strong> (id 777)')
    expect(body).toMatch(/id="worker-paused">Paused until [^<]*?: PEER_FLOOD\./)
    await s.store.workerState.setPause(null, null)
    expect((await client.page('/admin')).body).not.toContain('worker-paused')
    expect((await client.page('/admin')).body).toContain('The login canary has not run')
  })

  it("shows the login canary's last result", async () => {
    const s = await site()
    const client = await admin(s)
    const now = Math.floor(Date.now() / 1000)
    await s.store.canary.record({
      ok: false,
      checkedAt: now,
      error: 'domain-not-linked: <set /setdomain>',
      durationMs: 812,
    })
    expect((await client.page('/admin')).body).toMatch(
      /id="canary">Login canary failed [^<]*: domain-not-linked: &lt;set \/setdomain&gt;/,
    )
    await s.store.canary.record({ ok: true, checkedAt: now, error: null, durationMs: 640 })
    expect((await client.page('/admin')).body).toMatch(/id="canary">Login canary passed [^<]*\(640 ms\)/)
  })
})

describe('CSRF on /admin', () => {
  it('refuses every POST without a token or with a wrong one (403), changing nothing', async () => {
    const s = await site()
    const ids = await seed(s)
    const client = await admin(s)
    const { csrf } = await client.page('/admin')
    const before = counts(s)
    for (const [path, fields] of posts(ids)) {
      expect((await client.post(path, fields)).status, `${path} without a token`).toBe(403)
      expect(
        (await client.post(path, { ...fields, _csrf: `${csrf.slice(0, -2)}${csrf.endsWith('00') ? '11' : '00'}` }))
          .status,
        `${path} with a wrong token`,
      ).toBe(403)
    }
    // A token issued before login (another session) is no good either.
    const visitor = new Client(s)
    const { csrf: visitorToken } = await visitor.page('/me')
    for (const [path, fields] of posts(ids)) {
      expect((await client.post(path, { ...fields, _csrf: visitorToken })).status, path).toBe(403)
    }
    expect(counts(s)).toEqual(before)
  })
})

describe('rules', () => {
  const ruleForm = (fields: Fields = {}): Fields => ({
    groupId: '',
    chatId: 'new',
    chatTitle: 'Inner circle',
    chatDescription: 'For the regulars',
    minKarma: '100',
    removeBelow: '50',
    enabled: '1',
    ...fields,
  })

  it('creates a rule with a new chat: audited, and the chat is queued for the worker', async () => {
    const s = await site()
    const client = await admin(s)
    const res = await client.submit('/admin/rules/new', '/admin/rules', ruleForm())
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/admin/rules?done=created')
    const [rule] = await s.store.rules.list()
    expect(rule).toMatchObject({ groupId: null, minKarma: 100, removeBelow: 50, enabled: true })
    const chat = await s.store.chats.findById(rule!.chatId)
    expect(chat).toMatchObject({ title: 'Inner circle', description: 'For the regulars', state: 'pending' })
    expect((await s.store.jobs.recent(10)).map((j) => j.kind)).toEqual(['chat.create'])
    const actions = (await s.store.audit.recent(10)).map((e) => [e.action, e.actor])
    expect(actions).toEqual([
      ['rule.create', `admin:${String(ADMIN_ID)}`],
      ['chat.create', `admin:${String(ADMIN_ID)}`],
    ])
    const list = await client.page('/admin/rules?done=created')
    expect(list.body).toContain('Rule created.')
    expect(list.body).toContain('Inner circle')
  })

  it('refuses bad fields with 400, the message next to the field, the form kept, and nothing written', async () => {
    const s = await site()
    const client = await admin(s)
    const before = counts(s)
    const cases: [Fields, string, string][] = [
      [{ minKarma: 'lots' }, 'minKarma', 'Minimum karma must be a whole number.'],
      [{ minKarma: '' }, 'minKarma', 'Minimum karma must be a whole number.'],
      [{ minKarma: '99999999999' }, 'minKarma', 'Minimum karma must be a whole number.'],
      [{ removeBelow: '1.5' }, 'removeBelow', 'must be a whole number, or empty'],
      [{ removeBelow: '150' }, 'removeBelow', 'cannot be above the minimum karma'],
      [{ chatTitle: '' }, 'chatTitle', 'Give the new chat a title.'],
      [{ chatTitle: 'x'.repeat(129) }, 'chatTitle', 'at most 128 characters'],
      [{ chatDescription: 'x'.repeat(256) }, 'chatDescription', 'at most 255 characters'],
      [{ chatId: '999' }, 'chatId', 'Choose a chat from the list'],
      [{ chatId: 'drop table' }, 'chatId', 'Choose a chat from the list'],
      [{ groupId: '999' }, 'groupId', 'Choose a group from the list.'],
    ]
    for (const [fields, field, message] of cases) {
      const res = await client.submit(
        '/admin/rules/new',
        '/admin/rules',
        ruleForm({ chatTitle: 'Kept <title>', ...fields }),
      )
      expect(res.status, JSON.stringify(fields)).toBe(400)
      const body = await res.text()
      expect(body).toMatch(
        new RegExp(
          `<p class="field-error" id="${field}-error" role="alert">[^<]*${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
        ),
      )
      expect(body).toContain(`aria-describedby="${field}-error"`)
      if (field !== 'chatTitle') expect(body).toContain('value="Kept &lt;title&gt;"')
    }
    // No form of ours repeats a field; a request that does is refused before any handler guesses.
    const repeated = await client.submit('/admin/rules/new', '/admin/rules', ruleForm({ minKarma: ['1', '2'] }))
    expect(repeated.status).toBe(400)
    expect(await repeated.text()).toContain('The field &quot;minKarma&quot; was sent more than once.')
    expect(counts(s)).toEqual(before)
  })

  it('edits a rule, disables and enables it, each audited and reconciled', async () => {
    const s = await site()
    const client = await admin(s)
    await client.submit('/admin/rules/new', '/admin/rules', ruleForm())
    const [rule] = await s.store.rules.list()
    const id = String(rule!.id)
    const edit = await client.page(`/admin/rules/${id}/edit`)
    expect(edit.body).toContain('value="100"')
    expect(edit.body).toMatch(/<option value="\d+" selected>Inner circle \(pending\)<\/option>/)

    const webmasters = (await s.store.groups.findBySlug('webmasters'))!
    const saved = await client.submit(`/admin/rules/${id}/edit`, `/admin/rules/${id}`, {
      groupId: String(webmasters.id),
      chatId: String(rule!.chatId),
      minKarma: '200',
      removeBelow: '',
      enabled: '1',
    })
    expect(saved.status).toBe(303)
    expect(await s.store.rules.findById(rule!.id)).toMatchObject({
      groupId: webmasters.id,
      minKarma: 200,
      removeBelow: null,
      enabled: true,
    })

    const refused = await client.submit(`/admin/rules/${id}/edit`, `/admin/rules/${id}`, {
      chatId: String(rule!.chatId),
      minKarma: '10',
      removeBelow: '20',
    })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('cannot be above the minimum karma')
    expect((await s.store.rules.findById(rule!.id))?.minKarma).toBe(200)

    const disabled = await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: '0' })
    expect(disabled.status).toBe(303)
    expect((await s.store.rules.findById(rule!.id))?.enabled).toBe(false)
    expect((await client.page('/admin/rules?done=disabled')).body).toMatch(
      /<button class="secondary" type="submit">Enable<\/button>/,
    )
    await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: '1' })
    expect((await s.store.rules.findById(rule!.id))?.enabled).toBe(true)

    expect((await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: 'maybe' })).status).toBe(400)
    expect((await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: ['0', '1'] })).status).toBe(
      400,
    )
    expect((await client.submit('/admin/rules', '/admin/rules/999/enabled', { enabled: '0' })).status).toBe(404)
    expect((await client.get('/admin/rules/999/edit')).status).toBe(404)
    expect((await client.get('/admin/rules/abc/edit')).status).toBe(404)
    const actions = (await s.store.audit.recent(10)).map((e) => e.action)
    expect(actions.filter((a) => a === 'rule.update')).toHaveLength(3)
  })
  it('saves direct add: off by default, on when ticked, shown in the list and the form, kept by enable/disable', async () => {
    const s = await site()
    const client = await admin(s)
    expect((await client.page('/admin/rules/new')).body).toMatch(
      /<input type="checkbox" id="rule-direct-add" name="directAdd" value="1"> Direct add/,
    )
    await client.submit('/admin/rules/new', '/admin/rules', ruleForm())
    const [plain] = await s.store.rules.list()
    expect(plain?.directAdd).toBe(false)

    const created = await client.submit(
      '/admin/rules/new',
      '/admin/rules',
      ruleForm({ chatTitle: 'Direct', directAdd: '1' }),
    )
    expect(created.status).toBe(303)
    const rule = (await s.store.rules.list()).find((r) => r.id !== plain!.id)!
    expect(rule.directAdd).toBe(true)
    const audit = (await s.store.audit.recent(10)).find(
      (e) => e.action === 'rule.create' && e.subject === `rule:${String(rule.id)}`,
    )
    expect(audit?.details).toMatchObject({ after: { directAdd: true } })
    const list = (await client.page('/admin/rules')).body
    expect(list).toMatch(new RegExp(`<tr data-rule="${String(rule.id)}">[\\s\\S]*?<td>direct add</td>`))
    expect(list).toMatch(new RegExp(`<tr data-rule="${String(plain!.id)}">[\\s\\S]*?<td>link only</td>`))
    const id = String(rule.id)
    expect((await client.page(`/admin/rules/${id}/edit`)).body).toMatch(/name="directAdd" value="1" checked>/)

    // Disabling and enabling keeps it; an edit without the box ticked turns it off.
    await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: '0' })
    await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: '1' })
    expect(await s.store.rules.findById(rule.id)).toMatchObject({ enabled: true, directAdd: true })
    await client.submit(`/admin/rules/${id}/edit`, `/admin/rules/${id}`, {
      groupId: '',
      chatId: String(rule.chatId),
      minKarma: '100',
      removeBelow: '',
      enabled: '1',
    })
    expect((await s.store.rules.findById(rule.id))?.directAdd).toBe(false)

    // A refused form comes back with the box as the admin left it.
    const refused = await client.submit(
      '/admin/rules/new',
      '/admin/rules',
      ruleForm({ minKarma: 'lots', directAdd: '1' }),
    )
    expect(refused.status).toBe(400)
    expect(await refused.text()).toMatch(/name="directAdd" value="1" checked>/)
  })
})

describe('members', () => {
  it('adjusts karma once per form, even when the form is submitted twice', async () => {
    const s = await site()
    const client = await admin(s)
    const memberId = await addMember(s, 7007, 'Ada')
    const page = await client.page(`/admin/members/${String(memberId)}`)
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(page.body)?.[1]
    expect(key).toMatch(/^admin-[A-Za-z0-9_-]{22}$/)
    const fields = { _csrf: page.csrf, idempotencyKey: key!, delta: '+15', reason: 'great answer' }

    const first = await client.post(`/admin/members/${String(memberId)}/karma`, fields)
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toBe(`/admin/members/${String(memberId)}?done=karma`)
    const again = await client.post(`/admin/members/${String(memberId)}/karma`, fields)
    expect(again.status).toBe(303)
    expect(again.headers.get('location')).toBe(`/admin/members/${String(memberId)}?done=karma-again`)

    expect((await s.store.members.findById(memberId))?.karma).toBe(15)
    const events = await s.store.adminStats.recentKarmaEvents(memberId, 10)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      delta: 15,
      reason: 'great answer',
      source: 'admin',
      actor: `admin:${String(ADMIN_ID)}`,
      karmaAfter: 15,
    })

    // Notices are ours, looked up by name: nothing inherited answers for `constructor`.
    expect((await client.page(`/admin/members/${String(memberId)}?done=constructor`)).body).not.toContain(
      'class="notice"',
    )
    const shown = await client.page(`/admin/members/${String(memberId)}?done=karma`)
    expect(shown.body).toContain('Karma adjusted.')
    expect(shown.body).toMatch(/id="member-karma">15</)
    expect(shown.body).toContain('great answer')
    // Each render carries a fresh key.
    expect(/name="idempotencyKey" value="([^"]+)"/.exec(shown.body)?.[1]).not.toBe(key)

    // The same key with other values is a conflict: nothing applied, a fresh key offered.
    const conflict = await client.post(`/admin/members/${String(memberId)}/karma`, { ...fields, delta: '+500' })
    expect(conflict.status).toBe(409)
    const conflictBody = await conflict.text()
    expect(conflictBody).toContain('already submitted with other values')
    expect(conflictBody).not.toContain(`value="${key!}"`)
    expect((await s.store.members.findById(memberId))?.karma).toBe(15)
  })

  it('refuses a bad adjustment with 400, the form kept, and nothing applied', async () => {
    const s = await site()
    const client = await admin(s)
    const memberId = await addMember(s, 7007, 'Ada')
    const before = counts(s)
    const cases: [Record<string, string>, string, string][] = [
      [{ delta: 'ten' }, 'delta', 'must be a whole number'],
      [{ delta: '0' }, 'delta', 'non-zero integer'],
      [{ delta: '2000000' }, 'delta', 'non-zero integer'],
      [{ delta: '1e3' }, 'delta', 'must be a whole number'],
      [{ reason: '   ' }, 'reason', 'reason must be 1 to 500 characters'],
      [{ reason: 'x'.repeat(501) }, 'reason', 'reason must be 1 to 500 characters'],
      [{ idempotencyKey: 'site-991' }, 'idempotencyKey', 'The form was incomplete'],
    ]
    for (const [override, field, message] of cases) {
      const page = await client.page(`/admin/members/${String(memberId)}`)
      const key = /name="idempotencyKey" value="([^"]+)"/.exec(page.body)![1]!
      const res = await client.post(`/admin/members/${String(memberId)}/karma`, {
        _csrf: page.csrf,
        idempotencyKey: key,
        delta: '+5',
        reason: 'kept <reason>',
        ...override,
      })
      expect(res.status, JSON.stringify(override)).toBe(400)
      const body = await res.text()
      expect(body).toContain(`id="${field}-error"`)
      expect(body).toContain(message)
      if (field !== 'reason') expect(body).toContain('value="kept &lt;reason&gt;"')
    }
    expect(counts(s)).toEqual(before)
    expect(
      (await client.submit('/admin/members', '/admin/members/999/karma', { delta: '1', reason: 'x' })).status,
    ).toBe(404)
  })

  it('sets groups from checkboxes, audited; an unknown group is refused and changes nothing', async () => {
    const s = await site()
    const client = await admin(s)
    const memberId = await addMember(s, 7007, 'Ada')
    const path = `/admin/members/${String(memberId)}`
    const res = await client.submit(path, `${path}/groups`, { groups: ['webmasters', 'clients'] })
    expect(res.status).toBe(303)
    expect((await s.store.groups.ofMember(memberId)).map((g) => g.slug)).toEqual(['clients', 'webmasters'])
    const page = await client.page(`${path}?done=groups`)
    expect(page.body).toContain('Groups saved.')
    expect(page.body).toContain('value="webmasters" checked')

    const refused = await client.submit(path, `${path}/groups`, { groups: ['clients', 'admins'] })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('There is no group &quot;admins&quot;.')
    expect((await s.store.groups.ofMember(memberId)).map((g) => g.slug)).toEqual(['clients', 'webmasters'])

    expect((await client.submit(path, `${path}/groups`, {})).status).toBe(303)
    expect(await s.store.groups.ofMember(memberId)).toEqual([])
    expect((await s.store.audit.recent(10)).filter((e) => e.action === 'member.groups')).toHaveLength(2)
  })

  it('searches by name, @username, Telegram id and external id, 50 a page', async () => {
    const s = await site()
    const client = await admin(s)
    for (let i = 1; i <= 120; i++) await addMember(s, 10_000 + i, `Member ${String(i)}`, `user_${String(i)}`)
    await addMember(s, 424_242, 'Grace', 'grace_h', 'Hopper')
    await appendKarmaEvent(
      s.store,
      { source: 'api', actor: 'test' },
      { member: { externalId: 'site-77' }, delta: 5, reason: 'linked', idempotencyKey: 'k1' },
    )

    const rows = (body: string) => [...body.matchAll(/<tr data-member="(\d+)">/g)].map((m) => Number(m[1]))
    const first = await client.page('/admin/members')
    expect(rows(first.body)).toHaveLength(50)
    const next = /id="next-page" rel="next" href="([^"]+)"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&')
    expect(next).toBeDefined()
    const second = await client.page(next!)
    expect(rows(second.body)).toHaveLength(50)
    expect(second.body).toContain('id="first-page"')
    const third = await client.page(
      /id="next-page" rel="next" href="([^"]+)"/.exec(second.body)![1]!.replaceAll('&amp;', '&'),
    )
    expect(rows(third.body)).toHaveLength(23) // 120 + Grace + the external member + the admin
    expect(third.body).not.toContain('id="next-page"')
    const all = [...rows(first.body), ...rows(second.body), ...rows(third.body)]
    expect(new Set(all).size).toBe(123)
    expect(all).toEqual([...all].sort((a, b) => b - a))
    expect(first.body).not.toContain('id="prev-page"')
    // And back: each page's "previous" link gives the page before it, row for row.
    const prevOf = (body: string) =>
      /id="prev-page" rel="prev" href="([^"]+)"/.exec(body)?.[1]?.replaceAll('&amp;', '&')
    const backToSecond = await client.page(prevOf(third.body)!)
    expect(rows(backToSecond.body)).toEqual(rows(second.body))
    expect(backToSecond.body).toContain('id="next-page"')
    const backToFirst = await client.page(prevOf(backToSecond.body)!)
    expect(rows(backToFirst.body)).toEqual(rows(first.body))
    expect(backToFirst.body).not.toContain('id="prev-page"')
    expect(backToFirst.body).not.toContain('id="first-page"')
    expect(/id="next-page" rel="next" href="([^"]+)"/.exec(backToFirst.body)?.[1]).toBe(
      /id="next-page" rel="next" href="([^"]+)"/.exec(first.body)?.[1],
    )

    const search = async (q: string) => rows((await client.page(`/admin/members?q=${encodeURIComponent(q)}`)).body)
    const grace = (await s.store.members.findByTelegramId(424_242))!.id
    expect(await search('grace hop')).toEqual([grace])
    expect(await search('@GRACE')).toEqual([grace])
    expect(await search('424242')).toEqual([grace])
    expect(await search('site-77')).toHaveLength(1)
    expect(await search('@user_11')).toHaveLength(11) // user_11, user_110 … user_119
    expect(await search('Member 12')).toHaveLength(2) // Member 12 and Member 120
    expect(await search('100%')).toEqual([]) // a literal %, not a wildcard
    expect(await search('nobody')).toEqual([])
    expect(await search('@user_1')).toHaveLength(32) // user_1, user_10 … 19, user_100 … 120: `_` is no wildcard
    const paged = await client.page('/admin/members?q=%40user')
    expect(rows(paged.body)).toHaveLength(50)
    expect(paged.body).toContain('href="/admin/members?q=%40user&amp;before=')
    // A search keeps its words on the way back too.
    const pagedNext = await client.page(
      /id="next-page" rel="next" href="([^"]+)"/.exec(paged.body)![1]!.replaceAll('&amp;', '&'),
    )
    expect(pagedNext.body).toContain('href="/admin/members?q=%40user&amp;after=')
    expect(rows((await client.page(prevOf(pagedNext.body)!)).body)).toEqual(rows(paged.body))

    const tooLong = await client.get(`/admin/members?q=${'x'.repeat(101)}`)
    expect(tooLong.status).toBe(400)
    expect(await tooLong.text()).toContain('at most 100 characters')
    expect((await client.get('/admin/members?before=abc')).status).toBe(400)
    expect((await client.get('/admin/members?after=abc')).status).toBe(400)
    expect((await client.get('/admin/members?before=5&after=2')).status).toBe(400)
    expect((await client.get('/admin/members?q=a&q=b')).status).toBe(400)
    expect((await client.get('/admin/members/999')).status).toBe(404)
  })

  it('escapes what members chose as names on every page that shows them', async () => {
    const s = await site()
    const client = await admin(s)
    const evil = '<script>alert(1)</script>'
    const memberId = await addMember(
      s,
      6006,
      `<img src=x onerror=alert(1)>${evil}`,
      'x"><svg onload=alert(1)>',
      `"'&${evil}`,
    )
    await appendKarmaEvent(
      s.store,
      { source: 'admin', actor: `<b>api</b>` },
      { member: { memberId }, delta: 100, reason: evil, idempotencyKey: 'xss-1' },
    )
    await s.store.chats.create(evil, evil, now())
    await s.store.apiKeys.create(evil, now())
    for (const path of [
      '/admin',
      '/admin/members',
      `/admin/members/${String(memberId)}`,
      '/admin/members?q=%3Cscript',
      '/admin/chats',
      '/admin/rules/new',
      '/admin/api-keys',
      '/admin/audit',
    ]) {
      const { body } = await client.page(path)
      expect(body, path).not.toContain('<script')
      expect(body, path).not.toContain('<img')
      expect(body, path).not.toContain('<svg onload')
      expect(body, path).not.toContain('<b>api')
    }
    const detail = (await client.page(`/admin/members/${String(memberId)}`)).body
    expect(detail).toContain(
      '&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(1)&lt;/script&gt; &quot;&#39;&amp;&lt;script&gt;',
    )
    expect(detail).toContain('@x&quot;&gt;&lt;svg onload=alert(1)&gt;')
  })
})

describe('dashboard', () => {
  it('draws the karma histogram in SVG with a line for each enabled rule’s thresholds', async () => {
    const s = await site()
    const client = await admin(s)
    const karma = [0, 0, 0, 5, 20, 45, 60, 120, 130, 350]
    for (const [i, k] of karma.entries()) {
      const id = await addMember(s, 20_000 + i, `M${String(i)}`)
      if (k !== 0)
        await appendKarmaEvent(
          s.store,
          { source: 'admin', actor: 'test' },
          { member: { memberId: id }, delta: k, reason: 'seed', idempotencyKey: `seed-${String(i)}` },
        )
    }
    const chat = await s.store.chats.create('Inner circle', '', now())
    const on = await s.store.rules.create({ groupId: null, chatId: chat.id, minKarma: 100, removeBelow: 50 }, now())
    const off = await s.store.rules.create(
      { groupId: null, chatId: chat.id, minKarma: 777, removeBelow: null, enabled: false },
      now(),
    )
    const dead = (await s.store.jobs.enqueue({ kind: 'test.job', owner: 'worker', payload: {} }, Date.now()))!
    await s.store.jobs.kill(dead, 'boom', Date.now())

    const { body } = await client.page('/admin')
    expect(body).toMatch(/id="member-count">11</) // the ten and the admin
    const svg = /<svg id="karma-histogram"[\s\S]*?<\/svg>/.exec(body)?.[0]
    expect(svg).toBeDefined()
    expect(svg).not.toContain('style=')
    const bars = [...svg!.matchAll(/<rect class="bar"[^>]*data-from="(-?\d+)" data-count="(\d+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ])
    expect(bars.reduce((sum, [, n]) => sum + n!, 0)).toBe(11)
    expect(bars.find(([from]) => from === 0)?.[1]).toBe(5) // 0, 0, 0, the admin's 0, and 5
    expect(svg).toContain(`data-rule="${String(on.id)}" data-kind="min" data-karma="100"`)
    expect(svg).toContain(`data-rule="${String(on.id)}" data-kind="remove" data-karma="50"`)
    expect(svg).toContain(`#${String(on.id)} in ≥ 100`)
    expect(svg).toContain(`#${String(on.id)} out &lt; 50`)
    expect(svg).toContain('stroke-dasharray="6 4"')
    expect(svg).not.toContain(`data-rule="${String(off.id)}"`)
    expect(body).toMatch(/<tr data-owner="worker">[\s\S]*?data-jobs="dead"><a href="\/admin\/jobs\?state=dead">1</)
    expect(body).toMatch(
      /<tr data-chat="\d+">\s*<td>Inner circle<\/td>\s*<td><span class="state state-pending">pending/,
    )
  })

  it('shows an empty dashboard without a histogram when nobody has karma', async () => {
    const s = await site()
    const client = await admin(s)
    const { res, body } = await client.page('/admin')
    expect(res.status).toBe(200)
    expect(body).toContain('id="karma-histogram"') // the admin is a member, at 0
    expect(body).toContain('No rules yet.')
  })
})

describe('jobs', () => {
  it('filters by state and retries a dead job, audited; a live job cannot be retried', async () => {
    const s = await site()
    const client = await admin(s)
    const dead = (await s.store.jobs.enqueue(
      { kind: 'member.invite', owner: 'bot', payload: { memberId: 1, chatId: 1 } },
      Date.now(),
    ))!
    await s.store.jobs.kill(dead, 'Forbidden: <bot was blocked>', Date.now())
    const live = (await s.store.jobs.enqueue(
      { kind: 'chat.create', owner: 'worker', payload: { chatId: 1 } },
      Date.now(),
    ))!

    const deadOnly = await client.page('/admin/jobs?state=dead')
    expect(deadOnly.body).toContain(`data-job="${String(dead)}"`)
    expect(deadOnly.body).not.toContain(`data-job="${String(live)}"`)
    expect(deadOnly.body).toContain('Forbidden: &lt;bot was blocked&gt;')
    expect((await client.get('/admin/jobs?state=zombie')).status).toBe(400)

    const res = await client.submit('/admin/jobs?state=dead', `/admin/jobs/${String(dead)}/retry`)
    expect(res.status).toBe(303)
    expect(await s.store.jobs.findById(dead)).toMatchObject({ state: 'queued', attempts: 0 })
    const [entry] = await s.store.audit.recent(1)
    expect(entry).toMatchObject({
      action: 'job.retry',
      subject: `job:${String(dead)}`,
      actor: `admin:${String(ADMIN_ID)}`,
    })
    expect((await client.page('/admin/jobs?retried=1')).body).toContain('The job is queued again.')

    const again = await client.submit('/admin/jobs', `/admin/jobs/${String(dead)}/retry`)
    expect(again.status).toBe(409)
    expect(await again.text()).toContain('only a dead job can be retried')
    expect((await client.submit('/admin/jobs', '/admin/jobs/999/retry')).status).toBe(404)
    expect((await s.store.audit.recent(10)).filter((e) => e.action === 'job.retry')).toHaveLength(1)
  })
})

describe('API keys', () => {
  it('shows a new key’s secret once, then only its prefix; revoking is audited and final', async () => {
    const s = await site()
    const client = await admin(s)
    const res = await client.submit('/admin/api-keys', '/admin/api-keys', { name: 'forum <php>' })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.text()
    const secret = /id="api-key-secret" class="secret">(kg_[A-Za-z0-9_-]{43})</.exec(body)?.[1]
    expect(secret).toBeDefined()
    expect(body).toContain('shown only this once')
    expect(body).toContain('forum &lt;php&gt;')
    const key = await s.store.apiKeys.authenticate(secret!, now())
    expect(key?.name).toBe('forum <php>')

    const list = await client.page('/admin/api-keys')
    expect(list.body).not.toContain(secret!)
    expect(list.body).toContain(`${secret!.slice(0, 8)}…`)

    const revoked = await client.submit('/admin/api-keys', `/admin/api-keys/${String(key!.id)}/revoke`)
    expect(revoked.status).toBe(303)
    expect(await s.store.apiKeys.authenticate(secret!, now())).toBeUndefined()
    expect((await client.page('/admin/api-keys?done=revoked')).body).toContain('Key revoked')
    const again = await client.submit('/admin/api-keys', `/admin/api-keys/${String(key!.id)}/revoke`)
    expect(again.status).toBe(409)
    expect((await client.submit('/admin/api-keys', '/admin/api-keys/999/revoke')).status).toBe(404)
    const actions = (await s.store.audit.recent(10)).map((e) => e.action)
    expect(actions).toEqual(['api_key.revoke', 'api_key.create'])
  })

  it('creates one key when the same form is sent twice; a fresh form makes another', async () => {
    const s = await site()
    const client = await admin(s)
    const { body: form, csrf } = await client.page('/admin/api-keys')
    const nonce = /name="nonce" value="([A-Za-z0-9_-]+)"/.exec(form)?.[1]
    expect(nonce).toBeDefined()
    const fields = { _csrf: csrf, nonce: nonce!, name: 'forum' }
    const [first, second] = await Promise.all([
      client.post('/admin/api-keys', fields),
      client.post('/admin/api-keys', fields),
    ])
    const answers = [
      { status: first.status, body: await first.text() },
      { status: second.status, body: await second.text() },
    ].sort((a, b) => a.status - b.status)
    expect(answers.map((a) => a.status)).toEqual([200, 409])
    const secret = /id="api-key-secret" class="secret">(kg_[A-Za-z0-9_-]{43})</.exec(answers[0]!.body)?.[1]
    expect(secret).toBeDefined()
    expect(answers[1]!.body).toContain('This form was already sent')
    expect(answers[1]!.body).toContain(`${secret!.slice(0, 8)}…`)
    expect(answers[1]!.body).not.toContain(secret!)
    // A reload that posts again, later: still the same one key.
    const third = await client.post('/admin/api-keys', fields)
    expect(third.status).toBe(409)
    expect(await s.store.apiKeys.list()).toHaveLength(1)
    expect((await s.store.audit.recent(10)).filter((e) => e.action === 'api_key.create')).toHaveLength(1)

    const fresh = await client.page('/admin/api-keys')
    const otherNonce = /name="nonce" value="([A-Za-z0-9_-]+)"/.exec(fresh.body)?.[1]
    expect(otherNonce).not.toBe(nonce)
    const another = await client.post('/admin/api-keys', { _csrf: fresh.csrf, nonce: otherNonce!, name: 'forum' })
    expect(another.status).toBe(200)
    expect(await s.store.apiKeys.list()).toHaveLength(2)

    const before = counts(s)
    const forged = await client.post('/admin/api-keys', { _csrf: fresh.csrf, nonce: 'not a token', name: 'forum' })
    expect(forged.status).toBe(400)
    expect(await forged.text()).toContain('This form is out of date')
    expect(counts(s)).toEqual(before)
  })

  it('refuses a bad name with 400 and the form kept', async () => {
    const s = await site()
    const client = await admin(s)
    const before = counts(s)
    for (const [name, message] of [
      ['', 'Name the key'],
      ['x'.repeat(101), 'at most 100 characters'],
      ['tab\there', 'control characters'],
    ] as const) {
      const res = await client.submit('/admin/api-keys', '/admin/api-keys', { name })
      expect(res.status, JSON.stringify(name)).toBe(400)
      expect(await res.text()).toContain(message)
    }
    expect(counts(s)).toEqual(before)
  })
})
