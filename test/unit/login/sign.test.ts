import { createHash, createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { signedLoginQuery, signLoginFields } from '../../../src/login/sign.js'
import { createLoginVerifier } from '../../../src/login/verify.js'
import { loginFields, TEST_BOT_TOKEN } from '../../support/site.js'

const NOW = 1_800_000_000
const verifier = createLoginVerifier({ botToken: TEST_BOT_TOKEN, maxAgeSeconds: 600 })

describe('signLoginFields', () => {
  it("is Telegram's signature: HMAC-SHA256 of the sorted key=value lines, keyed by SHA-256 of the token", () => {
    const key = createHash('sha256').update(TEST_BOT_TOKEN).digest()
    const expected = createHmac('sha256', key).update('auth_date=1800000000\nfirst_name=Ada\nid=7').digest('hex')
    expect(signLoginFields(TEST_BOT_TOKEN, { id: '7', first_name: 'Ada', auth_date: String(NOW) })).toBe(expected)
    expect(expected).toMatch(/^[0-9a-f]{64}$/)
  })

  it('signs the content, not the order, leaves a hash field out, and depends on the token', () => {
    const fields = loginFields(NOW)
    const signature = signLoginFields(TEST_BOT_TOKEN, fields)
    expect(signLoginFields(TEST_BOT_TOKEN, Object.fromEntries(Object.entries(fields).reverse()))).toBe(signature)
    expect(signLoginFields(TEST_BOT_TOKEN, { ...fields, hash: 'anything' })).toBe(signature)
    expect(signLoginFields('987654321:BBotherTOKENotherTOKENotherTOKEN99', fields)).not.toBe(signature)
    expect(signLoginFields(TEST_BOT_TOKEN, { ...fields, first_name: 'Adb' })).not.toBe(signature)
  })
})

describe('signedLoginQuery', () => {
  it('carries every field and their signature as hash', () => {
    const fields = loginFields(NOW)
    const params = new URLSearchParams(signedLoginQuery(TEST_BOT_TOKEN, fields))
    expect(Object.fromEntries(params)).toEqual({ ...fields, hash: signLoginFields(TEST_BOT_TOKEN, fields) })
    expect(params.getAll('hash')).toHaveLength(1)
  })

  it('is accepted by the verifier with every field as signed, whatever the names hold', () => {
    const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 50 }),
        name,
        name,
        fc.integer({ min: 0, max: 600 }),
        (id, firstName, extra, age) => {
          const fields = loginFields(NOW - age, {
            id: String(id),
            first_name: firstName,
            // A field Telegram might add one day, holding URL syntax.
            some_new_field: `${extra}&hash=0=+%`,
          })
          const result = verifier.verify(signedLoginQuery(TEST_BOT_TOKEN, fields), NOW)
          if (!result.ok) throw new Error(`refused (${result.reason}): ${JSON.stringify(fields)}`)
          expect(result.login.telegramId).toBe(id)
          expect(result.login.firstName).toBe(firstName)
          expect(Object.fromEntries(result.login.fields)).toEqual({ ...fields, hash: result.login.hash })
        },
      ),
      { numRuns: 200 },
    )
  })

  it('replaces a hash given among the fields rather than sending two', () => {
    const fields = { ...loginFields(NOW), hash: 'f'.repeat(64) }
    const params = new URLSearchParams(signedLoginQuery(TEST_BOT_TOKEN, fields))
    expect(params.getAll('hash')).toEqual([signLoginFields(TEST_BOT_TOKEN, fields)])
    expect(verifier.verify(params.toString(), NOW).ok).toBe(true)
  })
})
