import { describe, expect, it } from 'vitest'
import { MINUTE, SECOND } from '../../../src/time.js'
import { describeStore } from '../../support/contract.js'

const NONCE = 'form-token-0123456789'

describeStore('api keys', (open) => {
  describe('create', () => {
    it('creates a named key: the secret once, the key without it, recognisable by its prefix', async () => {
      const t = await open()
      const { key, secret } = await t.store.apiKeys.create('site', t.now())
      expect(secret).toMatch(/^kg_[A-Za-z0-9_-]{43}$/)
      expect(key).toEqual({
        id: key.id,
        name: 'site',
        prefix: key.prefix,
        createdAt: t.now(),
        lastUsedAt: null,
        revokedAt: null,
      })
      expect(secret.startsWith(key.prefix)).toBe(true)
      expect(key.prefix.length).toBeGreaterThanOrEqual(4)
      expect(key.prefix.length).toBeLessThan(secret.length)
      expect(JSON.stringify(await t.store.apiKeys.list())).not.toContain(secret.slice(key.prefix.length))
      expect(await t.store.apiKeys.list()).toEqual([key])
    })

    it('makes a different secret every time', async () => {
      const t = await open()
      const a = await t.store.apiKeys.create('a', t.now())
      const b = await t.store.apiKeys.create('a', t.now())
      expect(a.secret).not.toBe(b.secret)
      expect(a.key.id).not.toBe(b.key.id)
    })

    it('refuses a name of no characters or of more than 100, creating nothing', async () => {
      const t = await open()
      await expect(t.store.apiKeys.create('', t.now())).rejects.toThrow()
      await expect(t.store.apiKeys.create('x'.repeat(101), t.now())).rejects.toThrow()
      expect(await t.store.apiKeys.list()).toEqual([])
      expect((await t.store.apiKeys.create('x'.repeat(100), t.now())).key.name).toHaveLength(100)
    })
  })

  describe('createOnce', () => {
    it('creates a key for a new form token; the same token again gives that key, and no new one', async () => {
      const t = await open()
      const first = await t.store.apiKeys.createOnce('site', t.now(), NONCE)
      if (!('created' in first)) throw new Error('not created')
      expect(first.created.secret).toMatch(/^kg_/)
      t.advance(SECOND)
      expect(await t.store.apiKeys.createOnce('other name', t.now(), NONCE)).toEqual({ existing: first.created.key })
      expect(await t.store.apiKeys.list()).toEqual([first.created.key])
      // The secret still works; it was not replaced.
      expect((await t.store.apiKeys.authenticate(first.created.secret, t.now()))?.id).toBe(first.created.key.id)
    })

    it('refuses a form token shorter than 16 characters or longer than 64, creating nothing', async () => {
      const t = await open()
      await expect(t.store.apiKeys.createOnce('a', t.now(), 'x'.repeat(15))).rejects.toThrow()
      await expect(t.store.apiKeys.createOnce('a', t.now(), 'x'.repeat(65))).rejects.toThrow()
      expect(await t.store.apiKeys.list()).toEqual([])
      expect(await t.store.apiKeys.createOnce('a', t.now(), 'x'.repeat(16))).toHaveProperty('created')
      expect(await t.store.apiKeys.createOnce('b', t.now(), 'y'.repeat(64))).toHaveProperty('created')
    })

    it('creates another key for another form token', async () => {
      const t = await open()
      const a = await t.store.apiKeys.createOnce('a', t.now(), NONCE)
      const b = await t.store.apiKeys.createOnce('b', t.now(), `${NONCE}-2`)
      expect('created' in a && 'created' in b).toBe(true)
      expect(await t.store.apiKeys.list()).toHaveLength(2)
    })
  })

  describe('authenticate', () => {
    it('gives the live key for its secret, and records that it was used', async () => {
      const t = await open()
      const { key, secret } = await t.store.apiKeys.create('site', t.now())
      t.advance(MINUTE)
      expect(await t.store.apiKeys.authenticate(secret, t.now())).toMatchObject({ id: key.id, name: 'site' })
      expect((await t.store.apiKeys.list())[0]?.lastUsedAt).toBe(t.now())
    })

    it('gives nothing for a malformed or unknown secret', async () => {
      const t = await open()
      const { secret } = await t.store.apiKeys.create('site', t.now())
      expect(await t.store.apiKeys.authenticate('', t.now())).toBeUndefined()
      expect(await t.store.apiKeys.authenticate('not a key', t.now())).toBeUndefined()
      expect(await t.store.apiKeys.authenticate(`${secret}x`, t.now())).toBeUndefined()
      expect(await t.store.apiKeys.authenticate(secret.slice(0, -1), t.now())).toBeUndefined()
      const other = `kg_${'A'.repeat(43)}`
      expect(other).not.toBe(secret)
      expect(await t.store.apiKeys.authenticate(other, t.now())).toBeUndefined()
      expect((await t.store.apiKeys.list())[0]?.lastUsedAt).toBeNull()
    })
  })

  describe('revoke', () => {
    it('revokes a key once; a key nobody has or already revoked resolves false', async () => {
      const t = await open()
      const { key } = await t.store.apiKeys.create('site', t.now())
      t.advance(SECOND)
      expect(await t.store.apiKeys.revoke(key.id, t.now())).toBe(true)
      expect(await t.store.apiKeys.list()).toEqual([{ ...key, revokedAt: t.now() }])
      t.advance(SECOND)
      expect(await t.store.apiKeys.revoke(key.id, t.now())).toBe(false)
      expect((await t.store.apiKeys.list())[0]?.revokedAt).toBe(t.now() - SECOND)
      expect(await t.store.apiKeys.revoke(key.id + 1, t.now())).toBe(false)
    })

    it('stops a key revoked through this repository at once, even one just used', async () => {
      const t = await open()
      const { key, secret } = await t.store.apiKeys.create('site', t.now())
      const other = await t.store.apiKeys.create('other', t.now())
      expect(await t.store.apiKeys.authenticate(secret, t.now())).toBeDefined()
      expect(await t.store.apiKeys.authenticate(other.secret, t.now())).toBeDefined()
      await t.store.apiKeys.revoke(key.id, t.now())
      expect(await t.store.apiKeys.authenticate(secret, t.now())).toBeUndefined()
      // Only that key.
      expect((await t.store.apiKeys.authenticate(other.secret, t.now()))?.id).toBe(other.key.id)
    })

    it('stops a key revoked by another process within the cache time (10 s by default)', async () => {
      const t = await open()
      const elsewhere = await t.openAnother()
      const { key, secret } = await t.store.apiKeys.create('site', t.now())
      expect(await t.store.apiKeys.authenticate(secret, t.now())).toBeDefined()
      expect(await elsewhere.apiKeys.revoke(key.id, t.now())).toBe(true)
      t.advance(10 * SECOND)
      expect(await t.store.apiKeys.authenticate(secret, t.now())).toBeUndefined()
    })

    it('lets another process see a key created and used here', async () => {
      const t = await open()
      const elsewhere = await t.openAnother()
      const { key, secret } = await t.store.apiKeys.create('site', t.now())
      expect((await elsewhere.apiKeys.authenticate(secret, t.now()))?.id).toBe(key.id)
    })
  })
})
