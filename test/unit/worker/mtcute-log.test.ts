import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Config } from '../../../src/config.js'
import { createLogger } from '../../../src/log.js'
import { createWorkerClient } from '../../../src/worker/client.js'
import { mtcuteLevelOf, routeMtcuteLogs } from '../../../src/worker/mtcute-log.js'
import { SELF, stubClient } from '../../support/mtcute-stub.js'
import { LogCapture, tempDir, TEST_BOT_TOKEN } from '../../support/site.js'

const API_HASH = '0123456789abcdef0123456789abcdef'

interface Line {
  level: number
  part?: string
  tag?: string
  msg: string
}

function capture(logLevel: Config['logLevel']) {
  const out = new LogCapture()
  const logger = createLogger(
    { logLevel, botToken: TEST_BOT_TOKEN, tgApiHash: API_HASH, tg2faPassword: 'correct horse battery' },
    out,
  )
  return { logger, lines: () => out.lines.map((l) => JSON.parse(l) as Line), raw: () => out.lines.join('\n') }
}

describe("mtcute's log lines", () => {
  it('go through pino as JSON, part "mtcute" with its tag, at the matching level', async () => {
    const { stub, tg } = stubClient()
    stub.respondWith('users.getUsers', () => [SELF])
    const log = capture('info')
    routeMtcuteLogs(tg.log, log.logger)
    // mtcute's own start() logs who is logged in at INFO once getMe answers.
    await tg.start({})
    expect(log.lines()).toContainEqual(
      expect.objectContaining({
        level: 30,
        part: 'mtcute',
        tag: 'client',
        msg: expect.stringMatching(/Logged in as Worker \(ID: 100, username: kg_worker/) as unknown,
      }),
    )
    await tg.destroy()
  })

  it('have secrets scrubbed like every other line: the bot token, the api_hash, the 2FA password', () => {
    const { tg } = stubClient()
    const log = capture('debug')
    routeMtcuteLogs(tg.log, log.logger)
    const network = tg.log.create('network')
    network.warn(
      'request to %s failed: %e',
      `https://api.example/bot${TEST_BOT_TOKEN}/getMe`,
      new Error(`api_hash=${API_HASH}`),
    )
    network.debug('password was %j', { password: 'correct horse battery' })
    const raw = log.raw()
    expect(raw).not.toContain(TEST_BOT_TOKEN)
    expect(raw).not.toContain(API_HASH)
    expect(raw).not.toContain('correct horse battery')
    const [warn, debug] = log.lines()
    expect(warn).toMatchObject({ level: 40, part: 'mtcute', tag: 'network' })
    expect(warn?.msg).toMatch(
      /^request to https:\/\/api\.example\/bot\[redacted\]\/getMe failed: Error: api_hash=\[redacted\]/,
    )
    expect(debug).toMatchObject({ level: 20, msg: 'password was {"password":"[redacted]"}' })
  })

  it('respect LOG_LEVEL: mtcute formats nothing pino would drop, and never dumps packets (VERBOSE)', () => {
    expect(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(mtcuteLevelOf)).toEqual([
      0, 1, 2, 3, 4, 4, 0,
    ])
    const { tg } = stubClient()
    const warnOnly = capture('warn')
    routeMtcuteLogs(tg.log, warnOnly.logger)
    expect(tg.log.mgr.level).toBe(2)
    tg.log.info('connected to DC %d', 2)
    tg.log.error('lost DC %d', 2)
    expect(warnOnly.lines().map((l) => [l.level, l.msg])).toEqual([[50, 'lost DC 2']])
    const everything = capture('trace')
    routeMtcuteLogs(tg.log, everything.logger)
    // What mtcute's VERBOSE writes: a request whole, here a login code.
    tg.log.verbose('>>> %j', { _: 'auth.signIn', phoneCode: '12345' })
    tg.log.debug('reconnecting in %d ms', 500)
    expect(everything.lines().map((l) => [l.level, l.msg])).toEqual([[20, 'reconnecting in 500 ms']])
  })

  it("are routed by the worker's real client, which never prints them itself", async () => {
    const tmp = tempDir()
    try {
      const log = capture('debug')
      const tg = createWorkerClient({
        apiId: 1,
        apiHash: API_HASH,
        sessionPath: join(tmp.dir, 'worker.session'),
        logger: log.logger,
      })
      expect(tg.log.mgr.level).toBe(4)
      tg.log.create('session').debug('loaded session for api %s', API_HASH)
      expect(log.lines()).toEqual([
        expect.objectContaining({
          level: 20,
          part: 'mtcute',
          tag: 'session',
          msg: 'loaded session for api [redacted]',
        }),
      ])
      await tg.destroy()
    } finally {
      tmp.remove()
    }
  })
})
