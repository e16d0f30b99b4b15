import type { tl } from '@mtcute/node'
import { describe, expect, it } from 'vitest'
import { runWorkerUrlAuth } from '../../../../src/worker/cli/url-auth.js'
import { BOT, stubClient } from '../../../support/mtcute-stub.js'
import { captureIo } from './capture-io.js'

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
