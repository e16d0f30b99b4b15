/**
 * `npm run bench:invites`: how fast the bot's job runner sends invites through a Telegram that
 * enforces its rate limits, and whether Telegram ever has to say 429.
 *
 * One sandbox web process in this process (site, bot, job runners, the emulator with its default
 * limits: 30 messages/s overall, 1/s per chat), over a fresh SQLite file in a temp folder, on
 * 127.0.0.1. N emulated members send /start (so the bot may write to them) and get karma under a
 * rule's threshold; then one rule change lowers the threshold and makes all N eligible at once.
 * Measured: the invites' DMs from the first to the last (sustained invites/s), and the 429s the
 * emulator answered while they went out. See bench/README.md, "Invites benchmark".
 */
import { Writable } from 'node:stream'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { saveRule } from '../src/access/save-rule.js'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/log.js'
import { startWebProcess } from '../src/processes/web.js'
import { fmtInt, intFromEnv, machine } from './harness.js'
import { appendKarmaEvent } from '../src/karma/append.js'

const MEMBERS = intFromEnv('BENCH_INVITES', 500, 10, 5000)
const RATE = intFromEnv('BENCH_RATE', 25, 1, 30)
const TARGET_RATIO = 0.9
/** Emulated Telegram's default overall limit (`src/sandbox/rate-limiter.ts`). */
const TELEGRAM_LIMIT = 30

/** Log lines the benchmark needs, with pino's millisecond `time`. */
class Watch extends Writable {
  readonly invited: number[] = []
  readonly postponed: number[] = []
  readonly errors: string[] = []
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue
      const entry = JSON.parse(line) as { time: number; msg?: string; level: number }
      if (entry.msg === 'member invited') this.invited.push(entry.time)
      else if (entry.msg === 'job postponed: Telegram asked to wait') this.postponed.push(entry.time)
      else if (entry.level >= 50) this.errors.push(line)
    }
    done()
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`)
    await sleep(20)
  }
}

/** The most timestamps in any window of `windowMs` (sorted input). */
function peakInWindow(times: readonly number[], windowMs: number): number {
  let peak = 0
  for (let first = 0, last = 0; last < times.length; last++) {
    while ((times[last] ?? 0) - (times[first] ?? 0) >= windowMs) first++
    peak = Math.max(peak, last - first + 1)
  }
  return peak
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'karmagate-bench-invites-'))
  const watch = new Watch()
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_PATH: join(dir, 'karmagate.db'),
    PORT: '0',
    LOG_LEVEL: 'info',
    BOT_MESSAGES_PER_SECOND: String(RATE),
    LOGIN_RATE_LIMIT_PER_MINUTE: '0',
    // The sweep must not run during the measurement; the rule change reconciles by itself.
    RECONCILE_INTERVAL_SECONDS: '3600',
  })
  const web = await startWebProcess(config, createLogger(config, watch), {
    host: '127.0.0.1',
    botRetryDelayMs: [50, 500],
  })
  try {
    const tg = web.emulator
    if (!tg) throw new Error('not the sandbox: the emulator is missing')
    await web.botStarted
    const { store } = web
    console.log(
      `Invites benchmark: ${fmtInt(MEMBERS)} members, runner at ${String(RATE)}/s, emulator limits ${String(TELEGRAM_LIMIT)}/s overall and 1/s per chat`,
    )
    console.log(`Machine: ${machine()}`)

    // A rule nobody meets yet, and its chat, created by the emulated account.
    const chat = await store.chats.create('Inner circle', 'The benchmark chat', Math.floor(Date.now() / 1000))
    const created = await saveRule(store, {
      rule: { groupId: null, chatId: chat.id, minKarma: 1000, removeBelow: null },
      actor: 'bench',
      now: Date.now(),
    })
    web.workerJobs?.poke()
    await until('the chat to be created and the bot promoted', 15_000, async () => {
      const c = await store.chats.findById(chat.id)
      return c?.telegramChatId != null && c.botCanInvite ? c : undefined
    })

    // N members who started the bot (paced under Telegram's limit, so the welcomes are not refused).
    const setupStart = Date.now()
    const before = tg.stats().calls.sendMessage ?? 0
    const ids: number[] = []
    for (let i = 0; i < MEMBERS; i++) {
      const user = tg.createUser({ firstName: `Member ${String(i + 1)}` })
      ids.push(user.id)
      await tg.sendText(user.id, '/start')
      await sleep(1000 / RATE)
    }
    await until('the welcomes', 60_000 + MEMBERS * 100, () =>
      (tg.stats().calls.sendMessage ?? 0) - before >= MEMBERS ? true : undefined,
    )
    let key = 0
    for (const id of ids) {
      await appendKarmaEvent(
        store,
        { source: 'admin', actor: 'bench' },
        { member: { telegramId: id }, delta: 150, reason: 'bench', idempotencyKey: `bench-${String(++key)}` },
      )
    }
    console.log(`Set-up: ${fmtInt(MEMBERS)} members with 150 karma in ${fmtInt(Date.now() - setupStart)} ms`)
    // Let the emulator's one-second windows empty, so the measurement starts from a quiet Telegram.
    await sleep(1500)

    // One rule change makes all N eligible at once.
    const stats0 = tg.stats()
    const invitedBefore = watch.invited.length
    const changedAt = Date.now()
    const changed = await saveRule(store, {
      ruleId: created!.rule.id,
      rule: { groupId: null, chatId: chat.id, minKarma: 100, removeBelow: null },
      actor: 'bench',
      now: changedAt,
    })
    const queuedAt = Date.now()
    web.botJobs.poke()
    await until('every invite', Math.ceil((MEMBERS / RATE) * 3000) + 30_000, () =>
      watch.invited.length - invitedBefore >= MEMBERS ? true : undefined,
    )
    const stats1 = tg.stats()

    const times = watch.invited.slice(invitedBefore).sort((a, b) => a - b)
    const first = times[0]!
    const last = times[times.length - 1]!
    const sustained = ((times.length - 1) * 1000) / (last - first)
    const sent = (stats1.calls.sendMessage ?? 0) - (stats0.calls.sendMessage ?? 0)
    const refused = stats1.tooManyRequests - stats0.tooManyRequests
    const postponed = watch.postponed.filter((t) => t >= changedAt).length
    let invitedRows = 0
    for (const id of ids) {
      const member = await store.members.findByTelegramId(id)
      if (member && (await store.memberships.get(member.id, chat.id))?.state === 'invited') invitedRows++
    }
    const met = sustained >= TARGET_RATIO * RATE && refused === 0

    console.log(
      `Rule change: ${fmtInt(changed?.report.invitesQueued ?? 0)} invites queued in ${fmtInt(queuedAt - changedAt)} ms`,
    )
    console.log(
      `First invite ${fmtInt(first - changedAt)} ms after the rule change, last after ${(last - changedAt) / 1000} s`,
    )
    console.log('')
    console.log('| Benchmark | Result | Target | Against target | Met |')
    console.log('| --- | ---: | ---: | ---: | :---: |')
    console.log(
      `| ${fmtInt(MEMBERS)} invites after one rule change, runner at ${String(RATE)}/s | ${sustained.toFixed(2)} invites/s sustained (first to last: ${((last - first) / 1000).toFixed(2)} s) | >= ${(TARGET_RATIO * RATE).toFixed(1)}/s | ${(sustained / RATE).toFixed(3)}x of ${String(RATE)}/s | **${met ? 'yes' : 'no'}** |`,
    )
    console.log(
      `| 429s from the emulator during the invites | ${fmtInt(refused)} (runner postponements: ${fmtInt(postponed)}) | 0 | | **${refused === 0 ? 'yes' : 'no'}** |`,
    )
    console.log('')
    console.log(
      `Peak invites in any 1 s window: ${fmtInt(peakInWindow(times, 1000))} (Telegram's limit ${String(TELEGRAM_LIMIT)})`,
    )
    console.log(
      `sendMessage calls during the invites: ${fmtInt(sent)} (${fmtInt(refused)} refused); memberships 'invited': ${fmtInt(invitedRows)} of ${fmtInt(MEMBERS)}; 429s over the whole run, set-up included: ${fmtInt(stats1.tooManyRequests)}`,
    )

    const problems: string[] = []
    if (times.length !== MEMBERS) problems.push(`${String(times.length)} invites logged, ${String(MEMBERS)} expected`)
    // A refused call is counted as a call too; grammY's auto-retry then sends it again.
    if (sent - refused !== MEMBERS)
      problems.push(
        `${String(sent - refused)} accepted sendMessage calls, ${String(MEMBERS)} expected (one DM per invite)`,
      )
    if (invitedRows !== MEMBERS)
      problems.push(`${String(invitedRows)} memberships invited, ${String(MEMBERS)} expected`)
    if (watch.errors.length > 0)
      problems.push(`${String(watch.errors.length)} error log lines, the first: ${watch.errors[0] ?? ''}`)
    if (problems.length > 0) {
      console.error(`INVALID run: ${problems.join('; ')}`)
      process.exitCode = 1
    }
  } finally {
    await web.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
