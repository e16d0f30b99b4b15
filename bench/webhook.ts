/**
 * `npm run bench:webhook`: how many Telegram `/start` updates per second the bot handles through
 * its webhook (`POST /telegram/webhook` on the real site), against a bare Express 5 handler
 * with `express.json()` answering `ok`, measured in the same run on the same machine.
 * Target: bot >= 0.7x bare requests/s.
 *
 * The bot answers `/start` with a webhook reply: its `sendMessage` rides on the webhook's HTTP
 * response, so no Bot API call is made. The bot's Bot API root is a closed port of 127.0.0.1;
 * any outgoing call would fail there and is counted (there must be none).
 *
 * Nothing here asserts speed: the figures are printed, with a Markdown table for
 * `bench/README.md`. The run fails (exit code 1) only when a measurement is invalid: a response
 * other than 200, a `/start` answered without the login reply, a connection error, an outgoing
 * Bot API call, or a members table that does not match the updates sent.
 *
 * All targets' servers run at once, each in its own child process, and are measured in
 * interleaved rounds (bare, bot, bot, bare, ...), so a noisy moment of a shared machine does not
 * land on one target only.
 *
 * Environment (all optional, bounded): BENCH_DURATION (measured s per target, default 10),
 * BENCH_ROUNDS (rounds the duration is split into, default 5), BENCH_WARMUP (s per target,
 * default 2), BENCH_CONNECTIONS (default 10), BENCH_USERS (distinct senders per cycle,
 * default 1000), BENCH_NEW_PERCENT (share of each cycle's senders who are new members, default
 * 10), BENCH_CPU_PROF (a folder: the server processes write V8 CPU profiles there),
 * BENCH_DIAGNOSE=1 (also measures five diagnostic targets that tell where the bot's time goes, see
 * `WebhookTarget` in `common.ts`).
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import {
  BENCH_BOT_USERNAME,
  BENCH_WEBHOOK_PATH,
  BENCH_WEBHOOK_PUBLIC_URL,
  BENCH_WEBHOOK_SECRET,
  isUsageReport,
  isWebhookReport,
  type ReportRequest,
  type UsageReport,
  type UsageRequest,
  type WebhookReport,
  type WebhookTarget,
} from './common.js'
import { fmtInt, fmtMs, fmtRatio, intFromEnv, machine, machineCpu, type RunningServer, startServer } from './harness.js'

// ---------------------------------------------------------------------------------------------
// Settings

const SETTINGS = {
  durationSeconds: intFromEnv('BENCH_DURATION', 10, 1, 120),
  warmupSeconds: intFromEnv('BENCH_WARMUP', 2, 0, 30),
  connections: intFromEnv('BENCH_CONNECTIONS', 10, 1, 100),
  users: intFromEnv('BENCH_USERS', 1000, 10, 1_000_000),
  newPercent: intFromEnv('BENCH_NEW_PERCENT', 10, 0, 100),
  rounds: intFromEnv('BENCH_ROUNDS', 5, 1, 60),
  cpuProfDir: process.env.BENCH_CPU_PROF?.trim() ?? '',
  diagnose: process.env.BENCH_DIAGNOSE === '1',
} as const

const TARGET_RATIO = 0.7
const SERVERS_SCRIPT = fileURLToPath(new URL('./webhook-servers.ts', import.meta.url))
const LOGIN_URL = `${BENCH_WEBHOOK_PUBLIC_URL}/auth/telegram`

/** What each target is, and what its 200 carries when all is well. */
const TARGETS: Readonly<
  Record<WebhookTarget, { readonly label: string; readonly replies: boolean; readonly usesBot: boolean }>
> = {
  'webhook-bot': {
    label: '`/start` updates to `POST /telegram/webhook`, the bot (webhook reply)',
    replies: true,
    usesBot: true,
  },
  'webhook-bare': { label: 'Bare Express 5 + `express.json()` handler `ok`', replies: false, usesBot: false },
  'webhook-bot-memory': {
    label: 'Diagnostic: the bot over in-memory SQLite (no file I/O)',
    replies: true,
    usesBot: true,
  },
  'webhook-site-reply': {
    label: 'Diagnostic: the site answering the same reply without grammY or SQLite',
    replies: true,
    usesBot: false,
  },
  'webhook-bare-reply': {
    label: 'Diagnostic: bare handler answering the same reply (JSON)',
    replies: true,
    usesBot: false,
  },
  'webhook-bot-first': {
    label: 'What-if: the bot with its webhook mounted ahead of the site middleware',
    replies: true,
    usesBot: true,
  },
  'webhook-bot-first-noetag': {
    label: 'What-if: as above, and Express `etag` off (no hash, one write)',
    replies: true,
    usesBot: true,
  },
}

// ---------------------------------------------------------------------------------------------
// Updates

/** One update to send, and what its answer must be. */
interface Outgoing {
  readonly body: string
  readonly chatId: number
  /** True when the sender is not yet in the members table (first `/start` of this id). */
  readonly isNew: boolean
}

/**
 * `/start` updates as Telegram sends them to a webhook: a private chat, the sender in `from`
 * and `chat`, a `bot_command` entity; `update_id` and `message_id` increase by one per update.
 *
 * Senders cycle over `users` slots. Of each cycle, the first `newPercent` % of the slots get a
 * sender never seen before (a new member: the upsert inserts), the other slots always the same
 * senders (known members after their first cycle: the upsert updates). So every second of the
 * run has the same mix, warm-up or not.
 */
class UpdateStream {
  private n = 0
  private readonly newSlots: number
  /** Updates from new members built so far, whether or not autocannon got to send them. */
  builtNew = 0

  constructor(
    private readonly baseId: number,
    private readonly users: number,
    newPercent: number,
  ) {
    this.newSlots = Math.round((users * newPercent) / 100)
  }

  next(): Outgoing {
    const n = this.n++
    const slot = n % this.users
    const cycle = Math.floor(n / this.users)
    const fresh = slot < this.newSlots
    // Fresh slots take ids above every recurring sender's, a new block each cycle.
    const id = this.baseId + (fresh ? this.users + cycle * this.newSlots + slot : slot)
    const isNew = fresh || cycle === 0
    if (isNew) this.builtNew++
    return { body: startUpdate(this.baseId * 10 + n, id), chatId: id, isNew }
  }
}

/** The JSON of one `/start` message update from user `id`, built as a string (cheap for the generator). */
function startUpdate(updateId: number, id: number): string {
  const name = `"first_name":"Bench${id}","last_name":"Loader","username":"bench_${id}"`
  return (
    `{"update_id":${updateId},"message":{"message_id":${updateId},` +
    `"from":{"id":${id},"is_bot":false,${name},"language_code":"en"},` +
    `"chat":{"id":${id},${name},"type":"private"},` +
    `"date":${Math.floor(Date.now() / 1000)},"text":"/start","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}`
  )
}

const HEADERS = {
  'content-type': 'application/json',
  'x-telegram-bot-api-secret-token': BENCH_WEBHOOK_SECRET,
} as const

// ---------------------------------------------------------------------------------------------
// Answers

type Verdict = 'valid' | 'missing' | 'invalid'

/** The webhook reply of `/start` to `chatId`: `sendMessage` with the text and the login button. */
function checkStartReply(body: string, chatId: number): Verdict {
  if (body === '') return 'missing'
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return 'invalid'
  }
  const reply = parsed as {
    method?: unknown
    chat_id?: unknown
    text?: unknown
    reply_markup?: {
      inline_keyboard?: { login_url?: { url?: unknown; bot_username?: unknown; request_write_access?: unknown } }[][]
    }
  }
  const button = reply.reply_markup?.inline_keyboard?.[0]?.[0]?.login_url
  const ok =
    reply.method === 'sendMessage' &&
    reply.chat_id === chatId &&
    typeof reply.text === 'string' &&
    reply.text.startsWith('Welcome!') &&
    button?.url === LOGIN_URL &&
    button.bot_username === BENCH_BOT_USERNAME &&
    button.request_write_access === true
  return ok ? 'valid' : 'invalid'
}

function checkAnswer(target: WebhookTarget, body: string, chatId: number): Verdict {
  if (TARGETS[target].replies) return checkStartReply(body, chatId)
  return body === 'ok' ? 'valid' : body === '' ? 'missing' : 'invalid'
}

/**
 * Before timing: one update must get its answer; on targets behind the secret check, an update
 * without the secret must get 401.
 */
async function sanityCheck(target: WebhookTarget, port: number, update: Outgoing): Promise<void> {
  const url = `http://127.0.0.1:${port}${BENCH_WEBHOOK_PATH}`
  const first = await fetch(url, { method: 'POST', headers: HEADERS, body: update.body })
  const body = await first.text()
  if (first.status !== 200) throw new Error(`${target} answered ${first.status}, not 200: ${body.slice(0, 200)}`)
  const verdict = checkAnswer(target, body, update.chatId)
  if (verdict !== 'valid') throw new Error(`${target} answered 200 with a ${verdict} reply: ${body.slice(0, 300)}`)
  if (TARGETS[target].replies && !(first.headers.get('content-type') ?? '').startsWith('application/json')) {
    throw new Error(`${target} replied with content-type ${String(first.headers.get('content-type'))}`)
  }
  if (target === 'webhook-bare' || target === 'webhook-bare-reply') return
  const { 'x-telegram-bot-api-secret-token': _secret, ...withoutSecret } = HEADERS
  const refused = await fetch(url, { method: 'POST', headers: withoutSecret, body: update.body })
  await refused.arrayBuffer()
  if (refused.status !== 401)
    throw new Error(`${target} took an update without the secret token (status ${refused.status})`)
}

// ---------------------------------------------------------------------------------------------
// Load

/** Per-connection state autocannon hands to `setupRequest` and `onResponse`. */
interface ConnectionContext {
  chatId?: number
  isNew?: boolean
}

interface Answers {
  valid: number
  missing: number
  invalid: number
  /** Valid answers to updates from new members. */
  validNew: number
}

interface LoadResult {
  readonly result: autocannon.Result
  readonly answers: Answers
}

/**
 * One autocannon run of `seconds` against `port`, each request the next update of `stream`.
 * autocannon's own latency histogram keeps whole milliseconds, which flattens a sub-millisecond
 * baseline to 0; every response's time is recorded again in `latencyUs` (microseconds), when
 * given. Every answer's body is checked (all targets alike, so the generator does the same work
 * for each).
 */
function load(
  target: WebhookTarget,
  port: number,
  seconds: number,
  stream: UpdateStream,
  latencyUs?: RecordableHistogram,
): Promise<LoadResult> {
  const answers: Answers = { valid: 0, missing: 0, invalid: 0, validNew: 0 }
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: SETTINGS.connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: BENCH_WEBHOOK_PATH,
            headers: HEADERS,
            setupRequest: (request, context) => {
              const update = stream.next()
              const state = context as ConnectionContext
              state.chatId = update.chatId
              state.isNew = update.isNew
              request.body = update.body
              return request
            },
            onResponse: (status, body, context) => {
              if (status !== 200) return // counted by autocannon
              const state = context as ConnectionContext
              const verdict = checkAnswer(target, body, state.chatId ?? -1)
              answers[verdict]++
              if (verdict === 'valid' && state.isNew === true) answers.validNew++
            },
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }))
          return
        }
        resolve({ result, answers })
      },
    )
    if (latencyUs !== undefined) {
      instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
        latencyUs.record(Math.max(1, Math.round(responseTimeMs * 1000)))
      })
    }
  })
}

function responsesOf(result: autocannon.Result): number {
  return result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx']
}

/** Responses with any status but 200 (autocannon counts statuses by class and by code). */
function non200Of(result: autocannon.Result): number {
  return responsesOf(result) - (result.statusCodeStats?.['200']?.count ?? 0)
}

/** One target while the benchmark runs: its server process, its updates, what it answered. */
interface Session {
  readonly target: WebhookTarget
  readonly server: RunningServer
  readonly stream: UpdateStream
  readonly latencyUs: RecordableHistogram
  readonly warmup: LoadResult[]
  readonly rounds: LoadResult[]
  /** The server's CPU time and requests when the measured rounds began, and ended. */
  usageBefore?: UsageReport
  usageAfter?: UsageReport
}

const USAGE: UsageRequest = { type: 'usage' }

async function openSession(target: WebhookTarget, baseId: number): Promise<Session> {
  const server = await startServer({ script: SERVERS_SCRIPT, target, cpuProfDir: SETTINGS.cpuProfDir })
  try {
    // The sanity check's sender is outside the stream's ids.
    await sanityCheck(target, server.port, {
      body: startUpdate(baseId * 10 - 1, baseId - 1),
      chatId: baseId - 1,
      isNew: true,
    })
  } catch (error) {
    await server.stop()
    throw error
  }
  return {
    target,
    server,
    stream: new UpdateStream(baseId, SETTINGS.users, SETTINGS.newPercent),
    latencyUs: createHistogram(),
    warmup: [],
    rounds: [],
  }
}

interface HttpResult {
  readonly target: WebhookTarget
  /** Mean requests/s over the measured rounds (equal lengths, so the mean of the rounds' means). */
  readonly requestsPerSecond: number
  readonly roundsPerSecond: readonly number[]
  /** The server process's CPU time per request over the measured rounds, microseconds. */
  readonly cpuUs: { readonly user: number; readonly system: number; readonly total: number }
  readonly p50: number
  readonly p99: number
  /** Responses in the measured rounds. */
  readonly total: number
  /** Responses in warm-up and measured rounds, for turning a CPU profile into time per request. */
  readonly totalWithWarmup: number
  readonly statusCodes: Readonly<Record<string, number>>
  /** Measured rounds: answers checked, and valid answers to new members' updates. */
  readonly answers: Answers
  /** Warm-up and measured rounds together: responses other than 200, connection errors and timeouts. */
  readonly non200: number
  readonly connectionErrors: number
  /** Warm-up and measured rounds together: 200s without the expected body. */
  readonly missingReplies: number
  readonly invalidReplies: number
  readonly report: WebhookReport
  /** Members the table should hold: [answered new senders + 1, built new senders + 1] (the 1 is the sanity check's). */
  readonly expectedMembers: readonly [number, number]
  /** Why the run is invalid; empty when it is valid. */
  readonly problems: readonly string[]
}

/** Asks the session's server what it saw, stops it, and checks everything. */
async function closeSession(session: Session): Promise<HttpResult> {
  const { target, stream, warmup, rounds } = session
  let report: WebhookReport
  try {
    const ask: ReportRequest = { type: 'report' }
    report = await session.server.ask(ask, isWebhookReport)
  } finally {
    await session.server.stop()
  }

  const all = [...warmup, ...rounds]
  const sum = (runs: readonly LoadResult[], f: (run: LoadResult) => number): number =>
    runs.reduce((total, run) => total + f(run), 0)
  const statusCodes: Record<string, number> = {}
  for (const run of rounds) {
    for (const [code, stat] of Object.entries(run.result.statusCodeStats ?? {}))
      statusCodes[code] = (statusCodes[code] ?? 0) + (stat.count ?? 0)
  }
  const answers: Answers = {
    valid: sum(rounds, (run) => run.answers.valid),
    missing: sum(rounds, (run) => run.answers.missing),
    invalid: sum(rounds, (run) => run.answers.invalid),
    validNew: sum(rounds, (run) => run.answers.validNew),
  }
  const non200 = sum(all, (run) => non200Of(run.result))
  const connectionErrors = sum(all, (run) => run.result.errors + run.result.timeouts)
  const missingReplies = sum(all, (run) => run.answers.missing)
  const invalidReplies = sum(all, (run) => run.answers.invalid)
  const expectedMembers: [number, number] = [sum(all, (run) => run.answers.validNew) + 1, stream.builtNew + 1]

  const problems: string[] = []
  if (non200 > 0) problems.push(`${fmtInt(non200)} responses other than 200`)
  if (connectionErrors > 0) problems.push(`${fmtInt(connectionErrors)} connection errors or timeouts`)
  if (missingReplies > 0) problems.push(`${fmtInt(missingReplies)} 200s without a reply (acknowledged only)`)
  if (invalidReplies > 0) problems.push(`${fmtInt(invalidReplies)} 200s with a wrong body`)
  if (report.outgoingConnections > 0 || report.outgoingFailures > 0) {
    problems.push(
      `${report.outgoingConnections} outgoing connections (${report.outgoingFailures} failed; methods ${JSON.stringify(report.outgoingMethods)}): a reply did not ride on the webhook`,
    )
  }
  if (TARGETS[target].usesBot && report.probe.failures === 0)
    problems.push('the Bot API probe was not refused, so outgoing calls could go unnoticed')
  if (report.members !== null) {
    if (report.members < expectedMembers[0] || report.members > expectedMembers[1]) {
      problems.push(
        `the members table holds ${fmtInt(report.members)} rows, expected ${fmtInt(expectedMembers[0])} to ${fmtInt(expectedMembers[1])}`,
      )
    }
    if (report.membersCanDm !== report.members)
      problems.push(`only ${String(report.membersCanDm)} of ${report.members} members may be written to after /start`)
  }

  const roundsPerSecond = rounds.map((run) => run.result.requests.mean)
  const before = session.usageBefore ?? { userUs: 0, systemUs: 0, requests: 0 }
  const usageAfter = session.usageAfter ?? before
  const served = Math.max(1, usageAfter.requests - before.requests)
  const cpuUs = {
    user: (usageAfter.userUs - before.userUs) / served,
    system: (usageAfter.systemUs - before.systemUs) / served,
    total: (usageAfter.userUs - before.userUs + usageAfter.systemUs - before.systemUs) / served,
  }
  const result: HttpResult = {
    target,
    requestsPerSecond: roundsPerSecond.reduce((a, b) => a + b, 0) / Math.max(1, roundsPerSecond.length),
    roundsPerSecond,
    cpuUs,
    p50: session.latencyUs.percentile(50) / 1000,
    p99: session.latencyUs.percentile(99) / 1000,
    total: sum(rounds, (run) => responsesOf(run.result)),
    totalWithWarmup: sum(all, (run) => responsesOf(run.result)),
    statusCodes,
    answers,
    non200,
    connectionErrors,
    missingReplies,
    invalidReplies,
    report,
    expectedMembers,
    problems,
  }
  const codes = Object.entries(statusCodes)
    .map(([code, count]) => `${code}: ${fmtInt(count)}`)
    .join(', ')
  console.log(
    `  ${target.padEnd(24)} ${fmtInt(result.requestsPerSecond).padStart(8)} req/s (rounds ${roundsPerSecond.map(fmtInt).join(', ')})  ` +
      `p50 ${fmtMs(result.p50)} ms  p99 ${fmtMs(result.p99)} ms  server CPU ${fmtInt(cpuUs.total)} us/update (user ${fmtInt(cpuUs.user)}, system ${fmtInt(cpuUs.system)})  ${fmtInt(result.total)} responses {${codes}} (+${fmtInt(result.totalWithWarmup - result.total)} in warm-up)  ` +
      `valid ${fmtInt(answers.valid)} (new members ${fmtInt(answers.validNew)})  missing ${missingReplies}  wrong ${invalidReplies}  ` +
      `non-200 ${non200}  errors ${connectionErrors}  outgoing ${report.outgoingConnections}` +
      (report.members !== null ? `  members ${fmtInt(report.members)}` : ''),
  )
  return result
}

/** CPU the rest of the machine used while the rounds ran, in cores (1 = one core busy throughout). */
interface OtherLoad {
  readonly cores: number
  readonly stealCores: number
}

/**
 * Above this much CPU used by other processes during the rounds, the run is flagged as disturbed.
 * A quiet machine shows 0.05 to 0.15 (kernel threads, the npm and tsx wrapper processes).
 */
const OTHER_LOAD_WARNING_CORES = 0.25

/**
 * Measures every target in the same rounds: each round gives each target `seconds / rounds` of
 * load in turn (the order reversed every other round), so a noisy patch of the machine hits
 * all targets alike instead of whichever happened to run then.
 */
async function benchTargets(
  targets: readonly WebhookTarget[],
): Promise<{ results: HttpResult[]; otherLoad: OtherLoad | undefined }> {
  const sessions: Session[] = []
  try {
    // Distinct id ranges per target (each also has its own database).
    for (const [i, target] of targets.entries()) sessions.push(await openSession(target, (i + 1) * 10_000_000))
    for (const session of sessions) {
      if (SETTINGS.warmupSeconds > 0)
        session.warmup.push(await load(session.target, session.server.port, SETTINGS.warmupSeconds, session.stream))
    }
    for (const session of sessions) session.usageBefore = await session.server.ask(USAGE, isUsageReport)
    const machineBefore = machineCpu()
    const ownBefore = process.cpuUsage()
    const wallBefore = process.hrtime.bigint()
    const roundSeconds = SETTINGS.durationSeconds / SETTINGS.rounds
    for (let r = 0; r < SETTINGS.rounds; r++) {
      const order = r % 2 === 0 ? sessions : [...sessions].reverse()
      for (const session of order) {
        session.rounds.push(
          await load(session.target, session.server.port, roundSeconds, session.stream, session.latencyUs),
        )
      }
    }
    const machineAfter = machineCpu()
    const own = process.cpuUsage(ownBefore)
    const wallUs = Number(process.hrtime.bigint() - wallBefore) / 1000
    for (const session of sessions) session.usageAfter = await session.server.ask(USAGE, isUsageReport)
    let otherLoad: OtherLoad | undefined
    if (machineBefore !== undefined && machineAfter !== undefined) {
      const serversUs = sessions.reduce((total, { usageBefore, usageAfter }) => {
        if (usageBefore === undefined || usageAfter === undefined) return total
        return total + usageAfter.userUs - usageBefore.userUs + usageAfter.systemUs - usageBefore.systemUs
      }, 0)
      const othersUs = machineAfter.busyUs - machineBefore.busyUs - own.user - own.system - serversUs
      otherLoad = {
        cores: Math.max(0, othersUs) / wallUs,
        stealCores: (machineAfter.stealUs - machineBefore.stealUs) / wallUs,
      }
    }
    const results: HttpResult[] = []
    while (sessions.length > 0) results.push(await closeSession(sessions.shift()!))
    return { results, otherLoad }
  } finally {
    for (const session of sessions) await session.server.stop()
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function httpFigures(result: HttpResult): string {
  return `${fmtInt(result.requestsPerSecond)} req/s, p50 ${fmtMs(result.p50)} ms, p99 ${fmtMs(result.p99)} ms, server CPU ${fmtInt(result.cpuUs.total)} us/update`
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function main(): Promise<void> {
  if (SETTINGS.rounds > SETTINGS.durationSeconds)
    throw new Error('BENCH_ROUNDS must not exceed BENCH_DURATION (rounds of 1 s or more)')
  const today = new Date().toISOString().slice(0, 10)
  console.log(`# karmagate webhook benchmark, ${today}`)
  console.log(`Machine: ${machine()}`)
  if (SETTINGS.cpuProfDir !== '') {
    console.log(
      `CPU profiles of the servers go to ${SETTINGS.cpuProfDir}/<target>; profiling slows them, so these figures are not the reference.`,
    )
  }
  const newSlots = Math.round((SETTINGS.users * SETTINGS.newPercent) / 100)
  const targets: WebhookTarget[] = ['webhook-bare', 'webhook-bot']
  if (SETTINGS.diagnose) {
    targets.push(
      'webhook-bare-reply',
      'webhook-site-reply',
      'webhook-bot-memory',
      'webhook-bot-first',
      'webhook-bot-first-noetag',
    )
  }
  console.log(
    `\n## /start updates to POST ${BENCH_WEBHOOK_PATH} (${SETTINGS.connections} connections, 127.0.0.1, servers in child processes; ` +
      `${SETTINGS.warmupSeconds} s warm-up, then ${SETTINGS.rounds} rounds of ${fmtMs(SETTINGS.durationSeconds / SETTINGS.rounds)} s per target, interleaved; ` +
      `senders cycle over ${fmtInt(SETTINGS.users)} slots, ${fmtInt(newSlots)} of them a new member each cycle)`,
  )
  const { results, otherLoad } = await benchTargets(targets)
  const bare = results[0]!
  const bot = results[1]!
  const diagnostics = results.slice(2)

  const ratio = bot.requestsPerSecond / bare.requestsPerSecond
  const roundRatios = bot.roundsPerSecond.map((rps, r) => rps / bare.roundsPerSecond[r]!)
  const invalid = results.filter((result) => result.problems.length > 0)

  console.log('\n## Summary\n')
  console.log(`Measured ${today} on ${machine()}.`)
  console.log(
    `autocannon, ${SETTINGS.connections} connections, ${SETTINGS.warmupSeconds} s warm-up, then ${SETTINGS.durationSeconds} s per target in ` +
      `${SETTINGS.rounds} interleaved rounds; mean req/s, latency of every measured response.\n`,
  )
  const yesNo = (met: boolean): string => (met ? '**yes**' : '**no**')
  const rows = [
    ['Benchmark', 'Result', 'Target', 'Against target', 'Met'],
    ['---', '---:', '---:', '---:', ':---:'],
    [
      TARGETS[bot.target].label,
      httpFigures(bot),
      `>= ${fmtRatio(TARGET_RATIO)} bare`,
      fmtRatio(ratio),
      bot.problems.length === 0 ? yesNo(ratio >= TARGET_RATIO) : '**invalid run**',
    ],
    [TARGETS[bare.target].label, httpFigures(bare), '(baseline)', '1.00x', ''],
    ...diagnostics.map((d) => [
      TARGETS[d.target].label,
      httpFigures(d),
      '(diagnostic)',
      `${fmtRatio(d.requestsPerSecond / bare.requestsPerSecond)} bare`,
      '',
    ]),
  ]
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
  const newShare = bot.answers.valid > 0 ? (100 * bot.answers.validNew) / bot.answers.valid : 0
  console.log(
    `\nRatio per round: ${roundRatios.map(fmtRatio).join(', ')} (median ${fmtRatio(median(roundRatios))}). ` +
      `Server CPU per update, bare / bot: ${fmtRatio(bare.cpuUs.total / bot.cpuUs.total)}.` +
      `\nBot: ${fmtInt(bot.total)} measured responses, ${fmtInt(bot.answers.valid)} of them 200 with the login reply ` +
      `(${fmtInt(bot.answers.validNew)} to new members, ${newShare.toFixed(1)} %); over warm-up and rounds: missing replies ${bot.missingReplies}, ` +
      `wrong replies ${bot.invalidReplies}, non-200 ${bot.non200}, connection errors ${bot.connectionErrors}; ` +
      `outgoing Bot API connections ${bot.report.outgoingConnections} (the start-up probe's ${bot.report.probe.connections} was refused, as intended); ` +
      `members table ${bot.report.members === null ? '-' : fmtInt(bot.report.members)} rows (expected ${fmtInt(bot.expectedMembers[0])} to ${fmtInt(bot.expectedMembers[1])})` +
      (bot.problems.length === 0 ? ' (valid).' : ' (INVALID).'),
  )

  if (otherLoad !== undefined) {
    const disturbed = otherLoad.cores + otherLoad.stealCores > OTHER_LOAD_WARNING_CORES
    console.log(
      `Other load on the machine during the rounds (CPU not used by this benchmark's processes): ${otherLoad.cores.toFixed(2)} cores, ` +
        `steal ${otherLoad.stealCores.toFixed(2)} cores` +
        (disturbed
          ? ' -- DISTURBED: something else was running; the figures vary more than usual, rerun on a quiet machine.'
          : ' (quiet).'),
    )
  }

  if (invalid.length > 0) {
    for (const result of invalid) {
      console.error(
        `\nThe ${result.target} run is not valid: ${result.problems.join('; ')}. Its figures do not describe handled updates.`,
      )
    }
    process.exitCode = 1
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
