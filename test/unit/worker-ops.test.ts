import { Long, tl } from '@mtcute/node'
import { describe, expect, it } from 'vitest'
import { runWorkerAcceptLogin } from '../../src/worker/cli/accept-login.js'
import type { CommandIo } from '../../src/worker/cli/io.js'
import { runWorkerUrlAuth } from '../../src/worker/cli/url-auth.js'
import { LoginTokenError } from '../../src/worker/errors.js'
import { MtcuteAccount } from '../../src/worker/mtcute-account.js'
import { acceptLoginToken, parseLoginToken } from '../../src/worker/ops/accept-login-token.js'
import { BOT, emulateChats, rpcError, stubClient } from '../support/mtcute-stub.js'

function captureIo(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) }
}

describe('MtcuteAccount', () => {
  it('creates a marked megagroup, then invites and promotes the bot with exactly two rights', async () => {
    const { stub, tg } = stubClient()
    const chats = emulateChats(stub)
    const account = new MtcuteAccount(tg)
    const { telegramChatId } = await account.createSupergroup({
      chatId: 12,
      title: 'Inner circle',
      description: 'For the best',
    })
    expect(telegramChatId).toBe(-1000000005000)
    await account.promoteBot({ telegramChatId, botUsername: 'karmagate_bot' })
    expect(stub.methods()).toEqual([
      'messages.getDialogs',
      'channels.createChannel',
      'contacts.resolveUsername',
      'channels.inviteToChannel',
      'channels.editAdmin',
    ])
    const create = stub.calls[1] as tl.channels.RawCreateChannelRequest
    expect(create).toMatchObject({ megagroup: true, title: 'Inner circle', about: 'For the best\n[karmagate:12]' })
    expect(chats.channels).toHaveLength(1)
    const edit = stub.calls[4] as tl.channels.RawEditAdminRequest
    expect(edit.userId).toMatchObject({ _: 'inputUser', userId: BOT.id })
    expect(edit.adminRights).toEqual({ _: 'chatAdminRights', inviteUsers: true, banUsers: true })
    await tg.destroy()
  })

  it('finds the chat an earlier attempt made instead of creating a second one', async () => {
    const { stub, tg } = stubClient()
    const chats = emulateChats(stub)
    const account = new MtcuteAccount(tg)
    const first = await account.createSupergroup({ chatId: 7, title: 'Team', description: '' })
    // Same title, another chat's marker: not ours to reuse.
    const other = await account.createSupergroup({ chatId: 8, title: 'Team', description: '' })
    const again = await account.createSupergroup({ chatId: 7, title: 'Team', description: '' })
    expect(again).toEqual(first)
    expect(other.telegramChatId).not.toBe(first.telegramChatId)
    expect(chats.channels).toHaveLength(2)
    expect(stub.methods().filter((m) => m === 'channels.createChannel')).toHaveLength(2)
    await tg.destroy()
  })

  it('promotes idempotently: a bot already in the chat and unchanged rights are fine', async () => {
    const { stub, tg } = stubClient()
    emulateChats(stub)
    const account = new MtcuteAccount(tg)
    const { telegramChatId } = await account.createSupergroup({ chatId: 1, title: 'T', description: '' })
    stub
      .respondWith('channels.inviteToChannel', () => {
        throw rpcError(400, 'USER_ALREADY_PARTICIPANT')
      })
      .respondWith('channels.editAdmin', () => {
        throw rpcError(400, 'CHAT_NOT_MODIFIED')
      })
    await expect(account.promoteBot({ telegramChatId, botUsername: '@karmagate_bot' })).resolves.toBeUndefined()
    stub.respondWith('channels.editAdmin', () => {
      throw rpcError(400, 'CHAT_ADMIN_REQUIRED')
    })
    await expect(account.promoteBot({ telegramChatId, botUsername: 'karmagate_bot' })).rejects.toSatisfy((e) =>
      tl.RpcError.is(e, 'CHAT_ADMIN_REQUIRED'),
    )
    await tg.destroy()
  })
})

describe('worker:url-auth', () => {
  function urlAuthClient(request: tl.TypeUrlAuthResult) {
    const { stub, tg } = stubClient()
    stub
      .respondWith('contacts.resolveUsername', (): tl.contacts.RawResolvedPeer => ({
        _: 'contacts.resolvedPeer',
        peer: { _: 'peerUser', userId: BOT.id },
        chats: [],
        users: [BOT],
      }))
      .respondWith('messages.requestUrlAuth', () => request)
      .respondWith('messages.acceptUrlAuth', (req): tl.TypeUrlAuthResult => ({
        _: 'urlAuthResultAccepted',
        url: `https://karma.example.com/auth/telegram?write=${req.writeAllowed === true ? '1' : '0'}`,
      }))
    return { stub, tg }
  }
  const request: tl.TypeUrlAuthResult = {
    _: 'urlAuthResultRequest',
    requestWriteAccess: true,
    bot: BOT,
    domain: 'karma.example.com',
  }

  it('shows a Request and, with --accept --allow-write, the signed URL', async () => {
    const { stub, tg } = urlAuthClient(request)
    const io = captureIo()
    expect(
      await runWorkerUrlAuth(tg, io, [
        '--peer',
        '@karmagate_bot',
        '--msg-id',
        '42',
        '--button-id',
        '3',
        '--accept',
        '--allow-write',
      ]),
    ).toBe(0)
    expect(io.stdout.join('')).toMatch(
      /log in to karma\.example\.com through @karmagate_bot, and for permission for the bot to write/,
    )
    expect(io.stdout.join('')).toMatch(/Accepted\. Open: https:\/\/karma\.example\.com\/auth\/telegram\?write=1/)
    expect(stub.calls.at(-1)).toMatchObject({ _: 'messages.acceptUrlAuth', msgId: 42, buttonId: 3, writeAllowed: true })
    await tg.destroy()
  })

  it('without --accept only asks', async () => {
    const { stub, tg } = urlAuthClient(request)
    const io = captureIo()
    expect(await runWorkerUrlAuth(tg, io, ['--peer', '@karmagate_bot', '--msg-id', '42'])).toBe(0)
    expect(stub.methods()).not.toContain('messages.acceptUrlAuth')
    expect(stub.calls.at(-1)).toMatchObject({ _: 'messages.requestUrlAuth', msgId: 42, buttonId: 0 })
    await tg.destroy()
  })

  it('reports Accepted at once (already authorized) and Default (domain not linked)', async () => {
    const accepted = urlAuthClient({
      _: 'urlAuthResultAccepted',
      url: 'https://karma.example.com/auth/telegram?hash=x',
    })
    let io = captureIo()
    expect(await runWorkerUrlAuth(accepted.tg, io, ['--peer', '@karmagate_bot', '--msg-id', '1', '--accept'])).toBe(0)
    expect(io.stdout.join('')).toMatch(/Accepted\. Open: https:\/\/karma\.example\.com/)
    expect(accepted.stub.methods()).not.toContain('messages.acceptUrlAuth')
    const fallback = urlAuthClient({ _: 'urlAuthResultDefault' })
    io = captureIo()
    expect(await runWorkerUrlAuth(fallback.tg, io, ['--peer', '@karmagate_bot', '--msg-id', '1', '--accept'])).toBe(0)
    expect(io.stdout.join('')).toMatch(/open the button's URL as it is.*\/setdomain/)
    await accepted.tg.destroy()
    await fallback.tg.destroy()
  })

  it('refuses bad arguments with exit 2', async () => {
    const { tg } = urlAuthClient(request)
    for (const args of [
      [],
      ['--peer', '@b'],
      ['--peer', '@b', '--msg-id', 'x'],
      ['--peer', '@b', '--msg-id', '1', '--allow-write'],
      ['--nope'],
    ]) {
      const io = captureIo()
      expect(await runWorkerUrlAuth(tg, io, args)).toBe(2)
      expect(io.stderr.join('')).toMatch(/Usage: karmagate worker:url-auth/)
    }
    await tg.destroy()
  })
})

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
