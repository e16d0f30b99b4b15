/**
 * `/admin/api-keys`: a new key's secret shown once, revoking (audited and final), one key per
 * form however often it is sent, and bad names refused.
 */
import { describe, expect, it } from 'vitest'
import { admin, counts, now, site } from './kit.js'

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
