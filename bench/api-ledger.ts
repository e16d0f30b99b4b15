/**
 * `tsx bench/api-ledger.ts`: the karma ledger alone, no HTTP: `store.karma.appendBatch` of
 * BENCH_BATCH events (default 1,000) and `store.karma.append` of single events, over a file seeded
 * as `api-servers.ts` seeds it (production pragmas, WAL checkpoints in a thread as the web process
 * runs them). Prints µs per event; events one at a time, so each single event is its own commit. For profiling the
 * ledger (`node --cpu-prof --import tsx bench/api-ledger.ts`); nothing here asserts speed.
 *
 * Environment: BENCH_API_MEMBERS (default 10,000), BENCH_BATCHES (default 200), BENCH_SINGLES
 * (default 20,000), BENCH_BATCH (default 1,000), BENCH_PRAGMAS (`;`-separated pragmas to try),
 * BENCH_CHECKPOINTER (`0`: SQLite's own checkpoints on commit instead of the thread), BENCH_PAGE_SIZE (page
 * size of the new file), BENCH_SQL (SQL run on the seeded file first, for prototypes).
 * Besides wall time it prints the process's CPU time (both threads, as `bench:api` counts the
 * server's) and the bytes it wrote (WAL frames and the checkpoints' copies) per batch.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pino } from 'pino'
import { migrate } from '../src/db/sqlite/migrate.js'
import { openDatabase } from '../src/db/sqlite/open.js'
import { createSqliteStore } from '../src/db/sqlite/store.js'
import type { ValidKarmaEvent } from '../src/karma/events.js'
import { parseKarmaEvent } from '../src/karma/schema.js'
import { KARMA_SPREAD, RULE_MIN_KARMA, RULE_REMOVE_BELOW, TELEGRAM_ID_BASE } from './api-common.js'
import { intFromEnv } from './harness.js'

const MEMBERS = intFromEnv('BENCH_API_MEMBERS', 10_000, 1000, 1_000_000)
const BATCHES = intFromEnv('BENCH_BATCHES', 200, 1, 100_000)
const SINGLES = intFromEnv('BENCH_SINGLES', 20_000, 0, 1_000_000)
const BATCH = intFromEnv('BENCH_BATCH', 1000, 1, 1000)

const dir = mkdtempSync(join(tmpdir(), 'karmagate-bench-ledger-'))
try {
  const path = join(dir, 'karmagate.db')
  const pageSize = process.env.BENCH_PAGE_SIZE
  const setup = openDatabase(path, pageSize ? { pageSize: Number(pageSize) } : {})
  migrate(setup)
  const now = Math.floor(Date.now() / 1000)
  setup.transaction(() => {
    setup
      .prepare(
        `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < @n)
         INSERT INTO users (id, telegram_id, first_name, karma, created_at, updated_at)
         SELECT i, @base + i, 'Member ' || i, i % @spread, @now, @now FROM seq`,
      )
      .run({ n: MEMBERS, base: TELEGRAM_ID_BASE, spread: KARMA_SPREAD, now })
    const chat = setup
      .prepare<[{ now: number }], { id: number }>(
        `INSERT INTO chats (title, state, telegram_chat_id, created_at, updated_at) VALUES ('Bench', 'active', -1009000000002, @now, @now) RETURNING id`,
      )
      .get({ now })!
    setup
      .prepare(
        'INSERT INTO rules (group_id, chat_id, min_karma, remove_below, enabled, created_at, updated_at) VALUES (NULL, @chat, @min, @below, 1, @now, @now)',
      )
      .run({ chat: chat.id, min: RULE_MIN_KARMA, below: RULE_REMOVE_BELOW, now })
    setup
      .prepare(
        `INSERT INTO memberships (user_id, chat_id, state, reason, updated_at) SELECT id, @chat, 'member', 'joined', @now FROM users WHERE karma >= @min`,
      )
      .run({ chat: chat.id, now, min: RULE_MIN_KARMA })
  })()
  // For prototypes only, e.g. BENCH_SQL='DROP INDEX karma_events_user_id' to see what an index costs.
  if (process.env.BENCH_SQL) setup.exec(process.env.BENCH_SQL)
  setup.close()
  const db = openDatabase(path)
  for (const pragma of (process.env.BENCH_PRAGMAS ?? '').split(';').filter((p) => p.trim() !== '')) db.pragma(pragma)
  const store = createSqliteStore(db)
  // As the web process runs it: WAL checkpoints in a thread (BENCH_CHECKPOINTER=0: on commit, SQLite's default).
  const checkpointer =
    process.env.BENCH_CHECKPOINTER === '0'
      ? undefined
      : store.startUpkeep({
          logger: pino({ level: 'silent' }),
          ...(process.env.BENCH_RESTART_PAGES ? { restartPages: Number(process.env.BENCH_RESTART_PAGES) } : {}),
        })
  let seq = 0
  // Checked before timing: this measures the ledger's storage, not the schema.
  const event = (): ValidKarmaEvent => {
    const s = seq++
    return parseKarmaEvent(
      {
        member: { telegramId: TELEGRAM_ID_BASE + ((s * 7919) % MEMBERS) + 1 },
        delta: s % 4 === 3 ? -1 : 1,
        reason: 'bench event',
        idempotencyKey: `bench-ledger-${String(s)}`,
      },
      'api',
      'bench',
    )
  }
  const batches: ValidKarmaEvent[][] = Array.from({ length: BATCHES }, () => Array.from({ length: BATCH }, event))
  // Bytes this process (both threads) handed to write(2): the WAL frames and the checkpoints' copies.
  const written = (): number => Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN)
  let t0 = performance.now()
  let cpu0 = process.cpuUsage()
  let w0 = written()
  for (const b of batches) await store.karma.appendBatch(b)
  let ms = performance.now() - t0
  let cpu = process.cpuUsage(cpu0)
  console.log(
    `appendBatch x${String(BATCHES)} of ${String(BATCH)}: ${(ms / BATCHES).toFixed(2)} ms per batch, ${((ms * 1000) / (BATCHES * BATCH)).toFixed(2)} µs per event; ` +
      `CPU ${((cpu.user + cpu.system) / 1000 / BATCHES).toFixed(2)} ms per batch (user ${(cpu.user / 1000 / BATCHES).toFixed(2)}); ` +
      `${((written() - w0) / 1024 / BATCHES).toFixed(0)} KiB written per batch; page size ${String(db.pragma('page_size', { simple: true }))}`,
  )
  const singles = Array.from({ length: SINGLES }, event)
  t0 = performance.now()
  cpu0 = process.cpuUsage()
  w0 = written()
  for (const e of singles) await store.karma.append(e)
  ms = performance.now() - t0
  cpu = process.cpuUsage(cpu0)
  if (SINGLES > 0) {
    console.log(
      `append x${String(SINGLES)}: ${((ms * 1000) / SINGLES).toFixed(2)} µs per event; CPU ${((cpu.user + cpu.system) / SINGLES).toFixed(2)} µs; ` +
        `${((written() - w0) / 1024 / SINGLES).toFixed(1)} KiB written per event`,
    )
  }
  if (checkpointer) console.log(`checkpoints: ${JSON.stringify(checkpointer.stats())}`)
  await checkpointer?.stop()
  await store.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
