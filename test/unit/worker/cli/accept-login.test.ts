import { Long, type tl } from '@mtcute/node'
import { describe, expect, it } from 'vitest'
import { runWorkerAcceptLogin } from '../../../../src/worker/cli/accept-login.js'
import { LoginTokenError } from '../../../../src/worker/errors.js'
import { acceptLoginToken, parseLoginToken } from '../../../../src/worker/ops/accept-login-token.js'
import { rpcError, stubClient } from '../../../support/mtcute-stub.js'
import { captureIo } from './capture-io.js'

describe('worker:accept-login', () => {
  const link = 'tg://login?token=AQID'
  const authorization: tl.RawAuthorization = {
    _: 'authorization',
    hash: Long.fromNumber(9),
    deviceModel: 'MacBook Pro',
    platform: 'macOS',
    systemVersion: '15.1',
    apiId: 2040,
    appName: 'Telegram Desktop',
    appVersion: '5.8',
    dateCreated: 0,
    dateActive: 0,
    ip: '203.0.113.7',
    country: 'Germany',
    region: 'Berlin',
  }

  it('parses tg://login links and bare tokens', () => {
    expect([...parseLoginToken(link)]).toEqual([1, 2, 3])
    expect([...parseLoginToken('AQID')]).toEqual([1, 2, 3])
    expect(() => parseLoginToken('https://example.com/?token=AQID')).toThrow(/tg:\/\/login/)
    expect(() => parseLoginToken('tg://login?token=')).toThrow(/token/)
  })

  it('prints the authorized device', async () => {
    const { stub, tg } = stubClient()
    stub.respondWith('auth.acceptLoginToken', () => authorization)
    const io = captureIo()
    expect(await runWorkerAcceptLogin(tg, io, link)).toBe(0)
    const out = io.stdout.join('')
    for (const part of ['Telegram Desktop 5.8', 'MacBook Pro', 'macOS 15.1', '203.0.113.7', 'Berlin, Germany'])
      expect(out).toContain(part)
    expect([...(stub.calls[0] as tl.auth.RawAcceptLoginTokenRequest).token]).toEqual([1, 2, 3])
    await tg.destroy()
  })

  it.each([
    ['AUTH_TOKEN_INVALID', 3, /not valid/],
    ['AUTH_TOKEN_EXPIRED', 4, /expired/],
    ['AUTH_TOKEN_ALREADY_ACCEPTED', 5, /already accepted/],
  ] as const)('%s: a typed error, its message and exit code %i', async (code, exit, message) => {
    const { stub, tg } = stubClient()
    stub.respondWith('auth.acceptLoginToken', () => {
      throw rpcError(400, code)
    })
    await expect(acceptLoginToken(tg, new Uint8Array([1]))).rejects.toSatisfy(
      (e) => e instanceof LoginTokenError && e.code === code,
    )
    const io = captureIo()
    expect(await runWorkerAcceptLogin(tg, io, link)).toBe(exit)
    expect(io.stderr.join('')).toMatch(message)
    await tg.destroy()
  })

  it('refuses a malformed link with exit 2, without calling Telegram', async () => {
    const { stub, tg } = stubClient()
    const io = captureIo()
    expect(await runWorkerAcceptLogin(tg, io, 'https://t.me/x')).toBe(2)
    expect(stub.calls).toEqual([])
    await tg.destroy()
  })
})
