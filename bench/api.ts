/**
 * `npm run bench:api`: karma events per second through the REST API of the real site
 * (`POST /api/v1/karma-events`, `createApp` over a seeded SQLite file), next to a bare Express 5
 * handler with `express.json()` measured in the same run on the same machine.
 *
 * 1. Single events, one per request, each with its own idempotency key. Target: the site
 *    >= 0.8x the bare handler's requests/s.
 * 2. Batches: `{"events": [1000 events]}` per request. Target: >= 100,000 events/s.
 *
 * The servers run in child processes (`api-servers.ts`, started by `harness.ts`); autocannon
 * runs here. The API's per-key rate limit (600 requests a minute, `apiRouter`'s default) cannot
 * be configured through `createApp` (it does not pass `rateLimitPerMinute` on, and no setting
 * reaches it), so the site creates BENCH_API_KEYS keys and every request takes the next key in
 * turn: no key comes near its limit, and the limiter still runs on every request, as in
 * production. The bare target gets the same headers and bodies.
 *
 * Besides throughput, each target's server CPU time (user + system, all its threads) per request
 * over the measured rounds is reported: it does not depend on what else the machine runs.
 *
 * Nothing here asserts speed. The run exits 1 only when a measurement is invalid: any response
 * other than 201 from the site (200 from the bare handler), a connection error or timeout, or a
 * ledger afterwards that does not hold exactly the accepted events.
 *
 * Environment (all optional, bounded): BENCH_DURATION (s of measured load per target and mode,
 * default 10), BENCH_WARMUP (s, default 2), BENCH_ROUNDS (interleaved rounds, default 5),
 * BENCH_CONNECTIONS (single events, default 10), BENCH_BATCH_CONNECTIONS (batches, default 4),
 * BENCH_API_MEMBERS (seeded members, default 10,000), BENCH_API_KEYS (default 1,000),
 * BENCH_CPU_PROF (a folder: the servers write V8 CPU profiles there), BENCH_API_ONLY (`single` or
 * `batch`: that mode alone, no summary; for profiling).
 */
import { createHistogram } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import {
  API_PATH,
  type ApiTarget,
  isKeysReply,
  isLedgerReport,
  type LedgerReport,
  TELEGRAM_ID_BASE,
} from './api-common.js'
import { isUsageReport, type UsageRequest } from './common.js'
import { fmtInt, fmtMs, fmtRatio, intFromEnv, machine, type RunningServer, startServer } from './harness.js'

const SETTINGS = {
  durationSeconds: intFromEnv('BENCH_DURATION', 10, 1, 120),
  warmupSeconds: intFromEnv('BENCH_WARMUP', 2, 0, 30),
  rounds: intFromEnv('BENCH_ROUNDS', 5, 1, 20),
  connections: intFromEnv('BENCH_CONNECTIONS', 10, 1, 100),
  batchConnections: intFromEnv('BENCH_BATCH_CONNECTIONS', 4, 1, 100),
  members: intFromEnv('BENCH_API_MEMBERS', 10_000, 1000, 1_000_000),
  cpuProfDir: process.env.BENCH_CPU_PROF?.trim() ?? '',
  /** `BENCH_API_ONLY=single` or `batch` runs one mode (for profiling); the summary then needs both. */
  only: process.env.BENCH_API_ONLY?.trim() ?? '',
} as const

const TARGET_RATIO = 0.8
const TARGET_EVENTS_PER_SECOND = 100_000
const BATCH_SIZE = 1000
/** The API's per-key limit when `createApp` builds it (`apiRouter`'s default). */
const PER_KEY_LIMIT_PER_MINUTE = 600

const SCRIPT = fileURLToPath(new URL('./api-servers.ts', import.meta.url))

// ---------------------------------------------------------------------------------------------
// Events

/** One counter for the whole run, so every event everywhere has its own idempotency key. */
const run = { seq: 0, tag: Date.now().toString(36) }

/** Event number `seq`: spread over the members, three of four +1 and one -1. */
function eventJson(seq: number): string {
  const telegramId = TELEGRAM_ID_BASE + ((seq * 7919) % SETTINGS.members) + 1
  const delta = seq % 4 === 3 ? -1 : 1
  return `{"member":{"telegramId":${telegramId}},"delta":${delta},"reason":"bench event","idempotencyKey":"bench-${run.tag}-${seq}"}`
}

function nextSingle(): string {
  return eventJson(run.seq++)
}

function nextBatch(): string {
  const events: string[] = []
  for (let i = 0; i < BATCH_SIZE; i++) events.push(eventJson(run.seq++))
  return `{"events":[${events.join(',')}]}`
}

// ---------------------------------------------------------------------------------------------
// Load

interface Tally {
  seconds: number
  /** Requests built by autocannon (an upper bound of what reached the server). */
  sent: number
  /** Responses with the expected status. */
  ok: number
  statuses: Record<string, number>
  errors: number
  timeouts: number
  readonly latencyUs: ReturnType<typeof createHistogram>
  /** Expected-status responses per second, per measured round. */
  readonly rounds: number[]
  /** The server process's CPU time (user + system) over the measured rounds, in µs. */
  cpuUs: number
  /** Requests the server saw over the measured rounds (its own count). */
  cpuRequests: number
}

const newTally = (): Tally => ({
  seconds: 0,
  sent: 0,
  ok: 0,
  statuses: {},
  errors: 0,
  timeouts: 0,
  latencyUs: createHistogram(),
  rounds: [],
  cpuUs: 0,
  cpuRequests: 0,
})

const USAGE: UsageRequest = { type: 'usage' }

/** `load`, measured, with the server's CPU time and request count around it. */
async function measuredLoad(
  server: RunningServer,
  seconds: number,
  mode: Mode,
  keys: readonly string[],
  expected: number,
  tally: Tally,
): Promise<void> {
  const before = await server.ask(USAGE, isUsageReport)
  await load(server.port, seconds, mode, keys, expected, tally, true)
  const after = await server.ask(USAGE, isUsageReport)
  tally.cpuUs += after.userUs - before.userUs + after.systemUs - before.systemUs
  tally.cpuRequests += after.requests - before.requests
}

interface Mode {
  readonly name: 'single' | 'batch'
  readonly connections: number
  readonly body: () => string
}

/**
 * One autocannon run of `seconds`, each request with the next body and the next API key.
 * Counts go into `tally` (warm-up and measured alike, for validity); timing only when measured.
 */
function load(
  port: number,
  seconds: number,
  mode: Mode,
  keys: readonly string[],
  expected: number,
  tally: Tally,
  measured: boolean,
): Promise<void> {
  let keyIndex = 0
  let ok = 0
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: mode.connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: API_PATH,
            setupRequest: (request) => {
              tally.sent++
              request.body = mode.body()
              request.headers = {
                'content-type': 'application/json',
                authorization: `Bearer ${keys[keyIndex++ % keys.length]!}`,
              }
              return request
            },
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }))
          return
        }
        tally.errors += result.errors
        tally.timeouts += result.timeouts
        if (measured) {
          tally.seconds += result.duration
          tally.rounds.push(ok / result.duration)
        }
        resolve()
      },
    )
    instance.on('response', (_client, status, _bytes, responseTimeMs) => {
      tally.statuses[String(status)] = (tally.statuses[String(status)] ?? 0) + 1
      if (status === expected) {
        ok++
        if (measured) tally.ok++
      }
      if (measured) tally.latencyUs.record(Math.max(1, Math.round(responseTimeMs * 1000)))
    })
  })
}

const EXPECTED_STATUS: Readonly<Record<ApiTarget, number>> = { 'api-bare': 200, 'api-site': 201 }

/** Warm-up for each target, then rounds alternating the order, so a noisy moment hits all alike. */
async function benchMode(
  mode: Mode,
  servers: readonly { target: ApiTarget; server: RunningServer }[],
  keys: readonly string[],
): Promise<Map<ApiTarget, Tally>> {
  const tallies = new Map<ApiTarget, Tally>(servers.map((s) => [s.target, newTally()]))
  for (const { target, server } of servers) {
    if (SETTINGS.warmupSeconds > 0)
      await load(server.port, SETTINGS.warmupSeconds, mode, keys, EXPECTED_STATUS[target], tallies.get(target)!, false)
  }
  const roundSeconds = Math.max(1, Math.round(SETTINGS.durationSeconds / SETTINGS.rounds))
  for (let r = 0; r < SETTINGS.rounds; r++) {
    const order = r % 2 === 0 ? servers : [...servers].reverse()
    for (const { target, server } of order)
      await measuredLoad(server, roundSeconds, mode, keys, EXPECTED_STATUS[target], tallies.get(target)!)
  }
  return tallies
}

// ---------------------------------------------------------------------------------------------
// Checks

async function post(port: number, key: string, body: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}${API_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  })
  const text = await response.text()
  let json: unknown = text
  try {
    json = JSON.parse(text)
  } catch {
    // The bare handler answers plain text.
  }
  return { status: response.status, json }
}

interface EventResultJson {
  event?: { idempotencyKey?: unknown; karmaAfter?: unknown }
  member?: { karma?: unknown; telegramId?: unknown }
  replayed?: unknown
}

/** Before timing: the site accepts an event (201), replays it (200, same body) and a full batch. */
async function sanityCheck(site: RunningServer, bare: RunningServer, key: string): Promise<number> {
  const body = nextSingle()
  const first = await post(site.port, key, body)
  const event = first.json as EventResultJson
  if (
    first.status !== 201 ||
    typeof event.event?.karmaAfter !== 'number' ||
    event.member?.karma !== event.event.karmaAfter
  ) {
    throw new Error(`the site refused an event: ${String(first.status)} ${JSON.stringify(first.json)}`)
  }
  const replay = await post(site.port, key, body)
  if (replay.status !== 200 || JSON.stringify(replay.json) !== JSON.stringify(first.json)) {
    throw new Error(`the site did not replay an event: ${String(replay.status)} ${JSON.stringify(replay.json)}`)
  }
  const batch = await post(site.port, key, nextBatch())
  const results = (batch.json as { results?: EventResultJson[] }).results
  if (
    batch.status !== 201 ||
    !Array.isArray(results) ||
    results.length !== BATCH_SIZE ||
    results.some((r) => r.replayed !== false || typeof r.member?.karma !== 'number')
  ) {
    throw new Error(`the site refused a batch: ${String(batch.status)} ${JSON.stringify(batch.json).slice(0, 300)}`)
  }
  const bareAnswer = await post(bare.port, key, nextSingle())
  if (bareAnswer.status !== 200 || bareAnswer.json !== 'ok')
    throw new Error(`the bare handler answered ${String(bareAnswer.status)}`)
  return 1 + BATCH_SIZE
}

function tallyProblems(target: ApiTarget, tally: Tally): string[] {
  const problems: string[] = []
  const expected = String(EXPECTED_STATUS[target])
  const others = Object.entries(tally.statuses).filter(([status]) => status !== expected)
  if (others.length > 0)
    problems.push(`responses other than ${expected}: ${others.map(([s, n]) => `${s} x${String(n)}`).join(', ')}`)
  if (tally.errors > 0) problems.push(`${String(tally.errors)} connection errors`)
  if (tally.timeouts > 0) problems.push(`${String(tally.timeouts)} timeouts`)
  if (tally.ok === 0) problems.push('no measured response')
  return problems
}

const responses = (tally: Tally): number => Object.values(tally.statuses).reduce((a, b) => a + b, 0)
const perSecond = (tally: Tally): number => tally.ok / tally.seconds
const latency = (tally: Tally): string =>
  `p50 ${fmtMs(tally.latencyUs.percentile(50) / 1000)} ms, p99 ${fmtMs(tally.latencyUs.percentile(99) / 1000)} ms`
/** Server CPU (user + system) per request, µs: what a request costs whatever else the machine runs. */
const cpuPerRequest = (tally: Tally): number => tally.cpuUs / Math.max(1, tally.cpuRequests)

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const today = new Date().toISOString().slice(0, 10)
  console.log(`# karmagate API benchmark, ${today}\nMachine: ${machine()}`)
  const site = await startServer({ script: SCRIPT, target: 'api-site', cpuProfDir: SETTINGS.cpuProfDir })
  let bare: RunningServer | undefined
  try {
    bare = await startServer({ script: SCRIPT, target: 'api-bare', cpuProfDir: SETTINGS.cpuProfDir })
    const { secrets: keys } = await site.ask({ type: 'api-keys' }, isKeysReply)
    if (keys.length === 0) throw new Error('the site made no API key')
    const sanityEvents = await sanityCheck(site, bare, keys[0]!)
    const servers = [
      { target: 'api-bare' as const, server: bare },
      { target: 'api-site' as const, server: site },
    ]
    const describe = (connections: number): string =>
      `${String(connections)} connections, ${String(SETTINGS.warmupSeconds)} s warm-up per target, then ${String(SETTINGS.rounds)} interleaved rounds, ` +
      `${String(SETTINGS.durationSeconds)} s per target; ${fmtInt(keys.length)} API keys in turn (per-key limit ${String(PER_KEY_LIMIT_PER_MINUTE)}/min)`

    console.log(`\n## 1. Single events, POST ${API_PATH} (${describe(SETTINGS.connections)})`)
    const skip = new Map<ApiTarget, Tally>()
    const single =
      SETTINGS.only === 'batch'
        ? skip
        : await benchMode({ name: 'single', connections: SETTINGS.connections, body: nextSingle }, servers, keys)
    console.log(`\n## 2. Batches of ${fmtInt(BATCH_SIZE)} events (${describe(SETTINGS.batchConnections)})`)
    const batch =
      SETTINGS.only === 'single'
        ? skip
        : await benchMode({ name: 'batch', connections: SETTINGS.batchConnections, body: nextBatch }, servers, keys)
    if (SETTINGS.only !== '') {
      for (const [mode, tallies] of [
        ['single', single],
        ['batch', batch],
      ] as const) {
        for (const [target, tally] of tallies) {
          const problems = tallyProblems(target, tally)
          console.log(
            `${mode} ${target}: ${fmtInt(perSecond(tally))} req/s, ${latency(tally)}, ${fmtInt(cpuPerRequest(tally))} µs server CPU/req${problems.length > 0 ? `; INVALID: ${problems.join('; ')}` : ''}`,
          )
          if (problems.length > 0) process.exitCode = 1
        }
      }
      const { events, writes, commits, membersOff, chainsOff } = await site.ask({ type: 'api-ledger' }, isLedgerReport)
      console.log(
        `site ledger: ${fmtInt(events)} events, members off ${String(membersOff)}, chains off ${String(chainsOff)}; ` +
          `group commit: ${fmtInt(writes)} ledger writes in ${fmtInt(commits)} commits`,
      )
      if (membersOff !== 0 || chainsOff !== 0) process.exitCode = 1
      return
    }

    const ledger: LedgerReport = await site.ask({ type: 'api-ledger' }, isLedgerReport)

    const siteSingle = single.get('api-site')!
    const bareSingle = single.get('api-bare')!
    const siteBatch = batch.get('api-site')!
    const bareBatch = batch.get('api-bare')!
    const problems: string[] = []
    for (const [mode, tallies] of [
      ['single', single],
      ['batch', batch],
    ] as const) {
      for (const [target, tally] of tallies)
        problems.push(...tallyProblems(target, tally).map((p) => `${mode} ${target}: ${p}`))
    }
    // Every event the site answered 201 for is in the ledger, and nothing else but requests in flight at a run's end.
    const accepted = sanityEvents + (siteSingle.statuses['201'] ?? 0) + BATCH_SIZE * (siteBatch.statuses['201'] ?? 0)
    const sent = sanityEvents + siteSingle.sent + BATCH_SIZE * siteBatch.sent
    if (ledger.events < accepted || ledger.events > sent)
      problems.push(`ledger holds ${fmtInt(ledger.events)} events; ${fmtInt(accepted)} accepted, ${fmtInt(sent)} sent`)
    if (ledger.deltaSum !== ledger.karmaDrift)
      problems.push(`ledger sum ${String(ledger.deltaSum)} but cached karma moved ${String(ledger.karmaDrift)}`)
    if (ledger.membersOff !== 0) problems.push(`${String(ledger.membersOff)} members' karma differs from their ledger`)
    if (ledger.chainsOff !== 0) problems.push(`${String(ledger.chainsOff)} members' chains of events are wrong`)

    const ratio = perSecond(siteSingle) / perSecond(bareSingle)
    const batchEvents = perSecond(siteBatch) * BATCH_SIZE
    const valid = problems.length === 0
    const yesNo = (met: boolean): string => (valid ? (met ? '**yes**' : '**no**') : '**invalid run**')
    const rows = [
      ['Benchmark', 'Result', 'Target', 'Against target', 'Met'],
      ['---', '---:', '---:', '---:', ':---:'],
      [
        '`POST /api/v1/karma-events`, single events (201)',
        `${fmtInt(perSecond(siteSingle))} events/s (= req/s), ${latency(siteSingle)}, ${fmtInt(cpuPerRequest(siteSingle))} µs server CPU/req`,
        `>= ${fmtRatio(TARGET_RATIO)} bare`,
        fmtRatio(ratio),
        yesNo(ratio >= TARGET_RATIO),
      ],
      [
        'Bare Express 5 + `express.json()` handler, same bodies (200)',
        `${fmtInt(perSecond(bareSingle))} req/s, ${latency(bareSingle)}, ${fmtInt(cpuPerRequest(bareSingle))} µs server CPU/req`,
        '(baseline)',
        '1.00x',
        '',
      ],
      [
        `\`POST /api/v1/karma-events\`, batches of ${fmtInt(BATCH_SIZE)} (201)`,
        `${fmtInt(batchEvents)} events/s (${perSecond(siteBatch).toFixed(1)} req/s), ${latency(siteBatch)}, ${fmtMs(cpuPerRequest(siteBatch) / 1000)} ms server CPU/batch`,
        `>= ${fmtInt(TARGET_EVENTS_PER_SECOND)} events/s`,
        fmtRatio(batchEvents / TARGET_EVENTS_PER_SECOND),
        yesNo(batchEvents >= TARGET_EVENTS_PER_SECOND),
      ],
      [
        `Bare handler, same batch bodies (200)`,
        `${fmtInt(perSecond(bareBatch) * BATCH_SIZE)} events/s parsed (${perSecond(bareBatch).toFixed(1)} req/s), ${latency(bareBatch)}`,
        '(ceiling)',
        `site ${fmtRatio(perSecond(siteBatch) / perSecond(bareBatch))}`,
        '',
      ],
    ]
    console.log('\n## Summary\n')
    console.log(`Measured ${today} on ${machine()}.\n`)
    for (const row of rows) console.log(`| ${row.join(' | ')} |`)
    const roundsOf = (t: Tally, scale = 1): string => t.rounds.map((r) => fmtInt(r * scale)).join(', ')
    console.log(
      `\nBy server CPU per request (independent of what else the machine runs): single, site ${fmtRatio(cpuPerRequest(bareSingle) / cpuPerRequest(siteSingle))} of bare ` +
        `(${fmtInt(cpuPerRequest(siteSingle))} against ${fmtInt(cpuPerRequest(bareSingle))} µs); batch, ${fmtInt((BATCH_SIZE * 1e6) / cpuPerRequest(siteBatch))} events per server CPU-second.`,
    )
    console.log(
      `\nPer round, single: site ${roundsOf(siteSingle)} req/s, bare ${roundsOf(bareSingle)} req/s; batch: site ${roundsOf(siteBatch, BATCH_SIZE)} events/s.` +
        `\nSite responses (warm-up included): single ${fmtInt(responses(siteSingle))}, batch ${fmtInt(responses(siteBatch))}; ` +
        `ledger ${fmtInt(ledger.events)} events (accepted ${fmtInt(accepted)}, sent at most ${fmtInt(sent)}), ` +
        `ledger sum ${String(ledger.deltaSum)} = cached karma drift ${String(ledger.karmaDrift)}, members off ${String(ledger.membersOff)}, chains off ${String(ledger.chainsOff)}; ` +
        `threshold crossings queued ${fmtInt(ledger.invites)} invites and ${fmtInt(ledger.removals)} removals; ` +
        `group commit: ${fmtInt(ledger.writes)} ledger writes in ${fmtInt(ledger.commits)} commits.`,
    )
    if (!valid) {
      console.error(`\nINVALID RUN: ${problems.join('; ')}`)
      process.exitCode = 1
    } else {
      console.log(
        'Valid: every response as expected, no errors or timeouts; the ledger holds every accepted event, nothing beyond what was sent, and agrees with the cached karma.',
      )
    }
  } finally {
    await bare?.stop()
    await site.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
