/**
 * CSRF on every admin form: a POST without a token, with a wrong one, or with one of another
 * session is refused, and changes nothing.
 */
import { describe, expect, it } from 'vitest'
import { admin, Client, counts, posts, seed, site } from './kit.js'

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
