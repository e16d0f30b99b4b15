/**
 * Who may see the admin site: visitors are sent to log in (and brought back), members who are
 * not admins get a 403 that leaks nothing, admins see every page, never cached.
 */
import { describe, expect, it } from 'vitest'
import { admin, ADMIN_ID, Client, counts, MEMBER_ID, pages, posts, seed, site } from './kit.js'

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
