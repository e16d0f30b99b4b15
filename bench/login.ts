/**
 * `npm run bench:login`: how fast a Telegram login is checked, alone and through the whole
 * site, each next to a baseline measured in the same run on the same machine.
 *
 * 1. The login check alone (ops/s): our `createLoginVerifier().verify(rawQuery, now)` against
 *    `@grammyjs/validator`'s `checkSignature(token, parsedObject)`. Target: ours >= 150,000 ops/s.
 * 2. `GET /auth/telegram` with a distinct, correctly signed login per request (autocannon),
 *    against a bare Express 5 handler answering `ok`. Target: route >= 0.85x bare requests/s.
 *
 * Nothing here asserts speed: the figures are printed, with a Markdown table for
 * `bench/README.md`. The run fails only when a measurement is invalid (a login refused, a
 * server error), because then the figures describe something other than logins.
 *
 * Environment (all optional, bounded): BENCH_DURATION (s per HTTP target, default 10),
 * BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 10), BENCH_ROUNDS (default 5),
 * BENCH_ROUND_MS (default 1000), BENCH_URL_POOL (signed URLs per HTTP target),
 * BENCH_CPU_PROF (a folder: the server processes write V8 CPU profiles there), BENCH_DIAGNOSE=1
 * (also measures two diagnostic targets that tell where the route's time goes).
 */
import { createHistogram } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { checkSignature } from '@grammyjs/validator'
import autocannon from 'autocannon'
import { signedLoginQuery } from '../src/login/sign.js'
import { createLoginVerifier } from '../src/login/verify.js'
import {
  BENCH_BOT_TOKEN,
  BENCH_LOGIN_MAX_AGE_SECONDS,
  isUsageReport,
  type ServerTarget,
  type UsageRequest,
} from './common.js'
import {
  fmtInt,
  fmtMs,
  fmtRatio,
  intFromEnv,
  machine,
  type RunningServer,
  startServer as startServerScript,
} from './harness.js'

// ---------------------------------------------------------------------------------------------
// Settings

/** Upper bounds keep a run short enough that its signed URLs cannot expire (600 s) mid-run. */
const SETTINGS = {
  durationSeconds: intFromEnv('BENCH_DURATION', 10, 1, 120),
  warmupSeconds: intFromEnv('BENCH_WARMUP', 2, 0, 30),
  connections: intFromEnv('BENCH_CONNECTIONS', 10, 1, 100),
  rounds: intFromEnv('BENCH_ROUNDS', 5, 3, 21),
  roundMs: intFromEnv('BENCH_ROUND_MS', 1000, 200, 10_000),
  /** 0 means "size it from the duration". */
  urlPool: intFromEnv('BENCH_URL_POOL', 0, 0, 5_000_000),
  cpuProfDir: process.env.BENCH_CPU_PROF?.trim() ?? '',
  diagnose: process.env.BENCH_DIAGNOSE === '1',
} as const

/** Distinct signed queries for the login-check benchmark, so every check hashes new input. */
const VERIFY_QUERIES = 1000
const TARGET_VERIFY_OPS = 150_000
const TARGET_ROUTE_RATIO = 0.85
/** Signed URLs generated per second of load; the route serves far fewer than this. */
const URL_POOL_PER_SECOND = 20_000

// ---------------------------------------------------------------------------------------------
// Signed logins

/**
 * The fields Telegram sends for member number `n`. Every login has its own id, so each URL is
 * a new member's first login: the route inserts a member, a session and a replay record.
 */
function loginFields(n: number, authDate: number): Record<string, string> {
  return {
    id: String(1_000_000 + n),
    first_name: `Bench${n}`,
    last_name: 'Loader',
    username: `bench_${n}`,
    photo_url: `https://t.me/i/userpic/320/bench${n}.jpg`,
    auth_date: String(authDate),
  }
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000)

// ---------------------------------------------------------------------------------------------
// 1. The login check alone

interface Candidate {
  readonly name: string
  /** One check of query number `i`; true when it accepts, which every query should. */
  readonly check: (i: number) => boolean
}

interface OpsResult {
  readonly name: string
  readonly medianOps: number
  readonly rounds: readonly number[]
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Runs whole passes over the query set until `minMs` have elapsed and returns ops/s. Checking
 * the clock once per pass (not per op) keeps `hrtime` out of the figure; counting acceptances
 * keeps the work observable, so the optimiser cannot drop it.
 */
function timeRound(candidate: Candidate, count: number, minMs: number): number {
  const minNs = BigInt(minMs) * 1_000_000n
  let ops = 0
  let accepted = 0
  const start = process.hrtime.bigint()
  let elapsed: bigint
  do {
    for (let i = 0; i < count; i++) if (candidate.check(i)) accepted++
    ops += count
    elapsed = process.hrtime.bigint() - start
  } while (elapsed < minNs)
  if (accepted !== ops) throw new Error(`${candidate.name} refused a correctly signed login while timed`)
  return ops / (Number(elapsed) / 1e9)
}

function benchLoginCheck(): OpsResult[] {
  const authDate = nowSeconds()
  const now = authDate + 60
  const verifier = createLoginVerifier({ botToken: BENCH_BOT_TOKEN, maxAgeSeconds: BENCH_LOGIN_MAX_AGE_SECONDS })
  const queries = Array.from({ length: VERIFY_QUERIES }, (_, i) =>
    signedLoginQuery(BENCH_BOT_TOKEN, loginFields(i, authDate)),
  )
  // checkSignature takes fields already parsed: parsing is the caller's job there.
  const parsed = queries.map((q) => Object.fromEntries(new URLSearchParams(q)))

  const candidates: Candidate[] = [
    { name: 'ours: verify(rawQuery, now)', check: (i) => verifier.verify(queries[i]!, now).ok },
    {
      name: '@grammyjs/validator: checkSignature(token, parsed)',
      check: (i) => checkSignature(BENCH_BOT_TOKEN, parsed[i]!),
    },
    {
      name: '@grammyjs/validator + URLSearchParams parse',
      check: (i) => checkSignature(BENCH_BOT_TOKEN, Object.fromEntries(new URLSearchParams(queries[i]))),
    },
  ]

  // Both must accept every good login and refuse a tampered one, or we would time a no-op.
  const tampered = queries[0]!.replace('first_name=Bench0', 'first_name=Bench9')
  if (verifier.verify(tampered, now).ok) throw new Error('our verifier accepted a tampered login')
  if (checkSignature(BENCH_BOT_TOKEN, Object.fromEntries(new URLSearchParams(tampered)))) {
    throw new Error('checkSignature accepted a tampered login')
  }
  for (const candidate of candidates) {
    for (let i = 0; i < VERIFY_QUERIES; i++) {
      if (!candidate.check(i)) throw new Error(`${candidate.name} refused correctly signed login ${i}`)
    }
  }

  console.log(
    `\n## 1. Login check alone (${VERIFY_QUERIES} distinct signed queries, ${SETTINGS.rounds} rounds x >= ${SETTINGS.roundMs} ms)`,
  )
  // Warm up: let V8 optimise every candidate before any round counts.
  for (const candidate of candidates) timeRound(candidate, VERIFY_QUERIES, Math.max(300, SETTINGS.roundMs / 2))

  // Interleaved rounds, so a slow patch of the machine (another process, thermal) hits all alike.
  const rounds = candidates.map(() => [] as number[])
  for (let r = 0; r < SETTINGS.rounds; r++) {
    candidates.forEach((candidate, c) => rounds[c]!.push(timeRound(candidate, VERIFY_QUERIES, SETTINGS.roundMs)))
  }
  const results = candidates.map((candidate, c) => ({
    name: candidate.name,
    medianOps: median(rounds[c]!),
    rounds: rounds[c]!,
  }))
  for (const result of results) {
    console.log(
      `  ${result.name.padEnd(52)} ${fmtInt(result.medianOps).padStart(10)} ops/s (median; rounds ${result.rounds.map(fmtInt).join(', ')})`,
    )
  }
  return results
}

// ---------------------------------------------------------------------------------------------
// 2. The whole route under load, next to a bare Express handler

const SERVERS_SCRIPT = fileURLToPath(new URL('./servers.ts', import.meta.url))

/** Starts `servers.ts <target>` in a child process (see `harness.ts`). */
function startServer(target: ServerTarget): Promise<RunningServer> {
  return startServerScript({ script: SERVERS_SCRIPT, target, cpuProfDir: SETTINGS.cpuProfDir })
}

/**
 * Pregenerated paths, one distinct signed login each. Signing while autocannon runs would spend
 * the load generator's CPU on our side of the comparison; a pool keeps that work out of both
 * runs alike. The index wraps, which the bare handler does not mind; on the route a wrapped
 * URL is a replay (401), caught by the validity check below.
 */
function urlPool(size: number, base: number): string[] {
  // Dated as logins arriving in this order would be: a second's worth of the pool per second,
  // the last one now (Telegram signs each login when it happens, so a site's logins come in
  // date order; one date for every login would make the replay records' order random).
  const last = nowSeconds()
  const first = last - Math.floor((size - 1) / URL_POOL_PER_SECOND)
  return Array.from(
    { length: size },
    (_, i) =>
      `/auth/telegram?${signedLoginQuery(BENCH_BOT_TOKEN, loginFields(base + i, first + Math.floor(i / URL_POOL_PER_SECOND)))}`,
  )
}

interface HttpResult {
  readonly target: ServerTarget
  readonly requestsPerSecond: number
  readonly p50: number
  readonly p99: number
  readonly total: number
  readonly statusCodes: Readonly<Record<string, number>>
  /** Responses of the wrong class (route: anything but 3xx; bare: anything but 2xx), errors and timeouts. */
  readonly unexpected: number
  readonly clientErrors: number
  readonly serverErrors: number
  readonly connectionErrors: number
  readonly poolWrapped: boolean
  /**
   * The server process's CPU time (user + system) per response during the timed run, in
   * microseconds: unlike requests/s, barely moved by other programs competing for the cores.
   */
  readonly cpuUsPerRequest: number
}

/** What one autocannon run gives, plus latencies at microsecond resolution. */
interface LoadResult {
  readonly result: autocannon.Result
  /** Milliseconds. */
  readonly p50: number
  readonly p99: number
}

/**
 * One autocannon run of `seconds` against `port`, each request taking the next pooled path.
 * autocannon's own latency histogram keeps whole milliseconds, which flattens a sub-millisecond
 * baseline to 0; every response's time is recorded again here in microseconds.
 */
function load(port: number, seconds: number, nextPath: () => string): Promise<LoadResult> {
  const latencyUs = createHistogram()
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: SETTINGS.connections,
        duration: seconds,
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => {
              request.path = nextPath()
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
        resolve({ result, p50: latencyUs.percentile(50) / 1000, p99: latencyUs.percentile(99) / 1000 })
      },
    )
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
      latencyUs.record(Math.max(1, Math.round(responseTimeMs * 1000)))
    })
  })
}

/** What each target is, and what it answers when all is well. */
const TARGETS: Readonly<
  Record<ServerTarget, { readonly label: string; readonly status: 200 | 302; readonly logsIn: boolean }>
> = {
  bare: { label: 'Bare Express 5 handler `ok` (200)', status: 200, logsIn: false },
  route: { label: '`GET /auth/telegram`, distinct signed logins (302)', status: 302, logsIn: true },
  'bare-node': { label: 'Reference: bare `node:http` handler `ok` (200), no Express', status: 200, logsIn: false },
  'bare-redirect': { label: 'Diagnostic: bare handler answering cookie + 302, no work', status: 302, logsIn: false },
  'route-memory': { label: 'Diagnostic: the route over in-memory SQLite (no file I/O)', status: 302, logsIn: true },
}

/**
 * Before timing: the target answers as expected, and for the site one login works (302 to /me
 * with a session cookie) while its replay is refused, which is why every request needs its own.
 */
async function sanityCheck(target: ServerTarget, port: number, path: string): Promise<void> {
  const url = `http://127.0.0.1:${port}${path}`
  const first = await fetch(url, { redirect: 'manual' })
  await first.arrayBuffer()
  const expected = TARGETS[target].status
  if (first.status !== expected) throw new Error(`${target} answered ${first.status}, not ${expected}`)
  if (!TARGETS[target].logsIn) return
  const location = first.headers.get('location')
  if (location !== '/me' || first.headers.getSetCookie().length === 0) {
    throw new Error(`${target} did not log in (location ${String(location)}, no session cookie)`)
  }
  const replay = await fetch(url, { redirect: 'manual' })
  await replay.arrayBuffer()
  if (replay.status !== 401) throw new Error(`${target} accepted a replayed login (status ${replay.status})`)
}

const USAGE: UsageRequest = { type: 'usage' }

async function benchHttp(target: ServerTarget, base: number): Promise<HttpResult> {
  const seconds = SETTINGS.durationSeconds
  const poolSize =
    SETTINGS.urlPool > 0 ? SETTINGS.urlPool : Math.max(50_000, (seconds + SETTINGS.warmupSeconds) * URL_POOL_PER_SECOND)
  const server = await startServer(target)
  try {
    // The sanity check uses its own login, outside the pool.
    await sanityCheck(target, server.port, urlPool(1, base - 1)[0]!)
    const pool = urlPool(poolSize, base)
    // An object, not two `let`s: the closure mutates it and the type checker must not assume it unchanged.
    const cursor = { next: 0, wrapped: false }
    const nextPath = (): string => {
      if (cursor.next === pool.length) {
        cursor.next = 0
        cursor.wrapped = true
      }
      return pool[cursor.next++]!
    }
    if (SETTINGS.warmupSeconds > 0) await load(server.port, SETTINGS.warmupSeconds, nextPath)
    const usageBefore = await server.ask(USAGE, isUsageReport)
    const { result, p50, p99 } = await load(server.port, seconds, nextPath)
    const usageAfter = await server.ask(USAGE, isUsageReport)

    const statusCodes: Record<string, number> = {}
    for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0
    const responses = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx']
    const expected = statusCodes[String(TARGETS[target].status)] ?? 0
    const outcome: HttpResult = {
      target,
      requestsPerSecond: result.requests.mean,
      p50,
      p99,
      total: responses,
      statusCodes,
      unexpected: responses - expected + result.errors + result.timeouts,
      clientErrors: result['4xx'],
      serverErrors: result['5xx'],
      connectionErrors: result.errors + result.timeouts,
      poolWrapped: cursor.wrapped,
      cpuUsPerRequest:
        (usageAfter.userUs - usageBefore.userUs + usageAfter.systemUs - usageBefore.systemUs) /
        Math.max(1, usageAfter.requests - usageBefore.requests),
    }
    const codes = Object.entries(statusCodes)
      .map(([code, count]) => `${code}: ${fmtInt(count)}`)
      .join(', ')
    console.log(
      `  ${target.padEnd(13)} ${fmtInt(outcome.requestsPerSecond).padStart(8)} req/s (mean)  p50 ${fmtMs(outcome.p50)} ms  p99 ${fmtMs(outcome.p99)} ms  ${outcome.cpuUsPerRequest.toFixed(0)} µs CPU/req  ` +
        `${fmtInt(responses)} responses {${codes}}  4xx ${outcome.clientErrors}  5xx ${outcome.serverErrors}  errors ${outcome.connectionErrors}` +
        (outcome.poolWrapped ? '  (URL pool wrapped)' : ''),
    )
    return outcome
  } finally {
    await server.stop()
  }
}

/**
 * A run is valid when every response was the target's success status, with no connection error,
 * and (for targets that log in) no signed URL was sent twice.
 */
function isValid(result: HttpResult): boolean {
  return result.unexpected === 0 && !(TARGETS[result.target].logsIn && result.poolWrapped)
}

// ---------------------------------------------------------------------------------------------
// Report

function httpFigures(result: HttpResult): string {
  return `${fmtInt(result.requestsPerSecond)} req/s, p50 ${fmtMs(result.p50)} ms, p99 ${fmtMs(result.p99)} ms, ${result.cpuUsPerRequest.toFixed(0)} µs server CPU/req`
}

async function main(): Promise<void> {
  const today = new Date().toISOString().slice(0, 10)
  console.log(`# karmagate login benchmark, ${today}`)
  console.log(`Machine: ${machine()}`)
  if (SETTINGS.cpuProfDir !== '') {
    console.log(
      `CPU profiles of the servers go to ${SETTINGS.cpuProfDir}/<target>; profiling slows them, so these figures are not the reference.`,
    )
  }

  const checks = benchLoginCheck()
  const ours = checks[0]!
  const grammy = checks[1]!
  const grammyParsed = checks[2]!

  console.log(
    `\n## 2. GET /auth/telegram vs bare Express (${SETTINGS.connections} connections, ${SETTINGS.warmupSeconds} s warm-up + ${SETTINGS.durationSeconds} s each, 127.0.0.1, servers in a child process)`,
  )
  // Distinct id ranges per target, so no login of one run could collide with another's.
  const bare = await benchHttp('bare', 10_000_000)
  const route = await benchHttp('route', 20_000_000)
  // The login route is served without Express: how far it is from Node's own floor, too.
  const bareNode = await benchHttp('bare-node', 50_000_000)
  const diagnostics: HttpResult[] = []
  if (SETTINGS.diagnose) {
    console.log("\n## Diagnostics (BENCH_DIAGNOSE=1): where the route's time goes")
    diagnostics.push(await benchHttp('bare-redirect', 30_000_000), await benchHttp('route-memory', 40_000_000))
  }

  const verifyRatio = ours.medianOps / TARGET_VERIFY_OPS
  const routeRatio = route.requestsPerSecond / bare.requestsPerSecond
  const http = [bare, route, bareNode, ...diagnostics]
  const invalid = http.filter((result) => !isValid(result))

  console.log('\n## Summary\n')
  console.log(`Measured ${today} on ${machine()}.`)
  console.log(
    `Login check: median of ${SETTINGS.rounds} rounds x >= ${SETTINGS.roundMs} ms. HTTP: autocannon, ${SETTINGS.connections} connections, ` +
      `${SETTINGS.warmupSeconds} s warm-up + ${SETTINGS.durationSeconds} s per target, mean req/s.\n`,
  )
  const yesNo = (met: boolean): string => (met ? '**yes**' : '**no**')
  const rows = [
    ['Benchmark', 'Result', 'Target', 'Against target', 'Met'],
    ['---', '---:', '---:', '---:', ':---:'],
    [
      'Login check, ours: `verify(rawQuery, now)`',
      `${fmtInt(ours.medianOps)} ops/s`,
      `>= ${fmtInt(TARGET_VERIFY_OPS)} ops/s`,
      fmtRatio(verifyRatio),
      yesNo(verifyRatio >= 1),
    ],
    [
      'Login check, `@grammyjs/validator` `checkSignature(token, parsed)`',
      `${fmtInt(grammy.medianOps)} ops/s`,
      '(baseline)',
      `ours ${fmtRatio(ours.medianOps / grammy.medianOps)}`,
      '',
    ],
    [
      'Login check, `checkSignature` + `URLSearchParams` parse',
      `${fmtInt(grammyParsed.medianOps)} ops/s`,
      '(baseline)',
      `ours ${fmtRatio(ours.medianOps / grammyParsed.medianOps)}`,
      '',
    ],
    [
      TARGETS.route.label,
      httpFigures(route),
      `>= ${fmtRatio(TARGET_ROUTE_RATIO)} bare`,
      fmtRatio(routeRatio),
      isValid(route) ? yesNo(routeRatio >= TARGET_ROUTE_RATIO) : '**invalid run**',
    ],
    [TARGETS.bare.label, httpFigures(bare), '(baseline)', '1.00x', ''],
    [
      TARGETS['bare-node'].label,
      httpFigures(bareNode),
      '(reference)',
      `route ${fmtRatio(route.requestsPerSecond / bareNode.requestsPerSecond)} of it`,
      '',
    ],
    ...diagnostics.map((d) => [
      TARGETS[d.target].label,
      httpFigures(d),
      '(diagnostic)',
      `${fmtRatio(d.requestsPerSecond / bare.requestsPerSecond)} bare`,
      '',
    ]),
  ]
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
  console.log(
    `\nRoute: ${fmtInt(route.total)} responses, 4xx ${route.clientErrors}, 5xx ${route.serverErrors}, connection errors ${route.connectionErrors}` +
      (isValid(route) ? ' (valid: every login answered 302).' : ' (INVALID).'),
  )

  if (invalid.length > 0) {
    for (const result of invalid) {
      console.error(
        `\nThe ${result.target} run is not valid: ${result.unexpected} unexpected responses or errors` +
          (result.poolWrapped && TARGETS[result.target].logsIn
            ? '; it used up its signed URLs and replayed some (raise BENCH_URL_POOL)'
            : '') +
          '. Its figures do not describe logins.',
      )
    }
    process.exitCode = 1
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
