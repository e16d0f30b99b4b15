/**
 * `npm run bench:reconcile`: how long a rule change takes, and how much memory it needs, until
 * every job it causes is queued, over 100,000 and 1,000,000 members (10 % of them newly
 * eligible). Targets: 1M members in <= 10 s and <= 256 MB.
 *
 * For each size: a temp SQLite file (production pragmas) is filled in one transaction with
 * `INSERT ... SELECT` from recursive CTEs, then a child process (`reconcile-child.ts`) opens it
 * with `openStore` and changes the rule through `saveRule`, which reconciles the chat. The child
 * reports wall time and RSS; this process checks the database afterwards. Two steps per size:
 * 1. lower: min_karma 1000 -> 900, 10 % of members become eligible: one `member.invite` each;
 * 2. raise: min_karma 900 -> 1000 again: every invite not yet sent is withdrawn.
 *
 * Nothing here asserts speed. The run exits 1 only when a result is wrong (a job count or a
 * membership count differs from what the data says), because then the figures would not
 * describe a reconcile.
 *
 * Environment (optional): BENCH_RECONCILE_SIZES (comma-separated member counts, default
 * `100000,1000000`, each 1,000 to 5,000,000), BENCH_CPU_PROF (a folder: the measured child
 * writes a V8 CPU profile there).
 */
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { migrate } from '../src/db/sqlite/migrate.js'
import { openDatabase, type SqliteDatabase } from '../src/db/sqlite/open.js'
import { fmtInt, machine } from './harness.js'
import { isReconcileChildReport, type ReconcileChildReport } from './reconcile-common.js'

const TARGET_MS = 10_000
const TARGET_BYTES = 256 * 1024 * 1024
const TARGET_SIZE = 1_000_000
/** The rule's threshold before and after the change; karma is spread evenly over 0..999. */
const MIN_KARMA_NONE = 1000
const MIN_KARMA_TEN_PERCENT = 900
/** A second rule, for the `webmasters` group, whose members above it are already in the chat. */
const GROUP_RULE_MIN_KARMA = 950

function sizesFromEnv(): number[] {
  const raw = process.env.BENCH_RECONCILE_SIZES?.trim()
  if (raw === undefined || raw === '') return [100_000, 1_000_000]
  return raw.split(',').map((part) => {
    const value = Number(part.trim())
    if (!Number.isSafeInteger(value) || value < 1000 || value > 5_000_000) {
      throw new Error('BENCH_RECONCILE_SIZES must be whole numbers from 1000 to 5000000, separated by commas')
    }
    return value
  })
}

const CPU_PROF_DIR = process.env.BENCH_CPU_PROF?.trim() ?? ''
const CHILD_SCRIPT = fileURLToPath(new URL('./reconcile-child.ts', import.meta.url))

interface Fixture {
  readonly chatId: number
  readonly ruleId: number
  readonly fillMs: number
  readonly dbBytes: number
}

/**
 * Members 1..n: every 100th has no Telegram id (pushed by the site before linking, so never
 * invited); karma is `(i * 7919) % 1000`, so exactly 10 % have >= 900. Every 5th member is in
 * `webmasters`, every 20th (offset 1) in `clients`. One active chat with two enabled rules: the
 * rule the benchmark changes (everyone, min_karma 1000: nobody), and `webmasters` >= 950, whose
 * members with a Telegram id are already `member` of the chat (the steady state a reconcile
 * would have left). Rows go in with set-based SQL in one transaction.
 */
function fill(db: SqliteDatabase, n: number): Omit<Fixture, 'dbBytes'> {
  const start = performance.now()
  const now = Math.floor(Date.now() / 1000)
  const ids = db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < @n)
       INSERT INTO users (id, telegram_id, external_id, first_name, karma, created_at, updated_at)
       SELECT i, CASE WHEN i % 100 = 0 THEN NULL ELSE 5000000000 + i END,
              CASE WHEN i % 100 = 0 THEN 'site-' || i END, 'Member ' || i, (i * 7919) % 1000, @now, @now
       FROM seq`,
    ).run({ n, now })
    db.prepare(
      `INSERT INTO user_groups (user_id, group_id)
       SELECT u.id, g.id FROM users u JOIN groups g ON g.slug = 'webmasters' WHERE u.id % 5 = 0
       UNION ALL
       SELECT u.id, g.id FROM users u JOIN groups g ON g.slug = 'clients' WHERE u.id % 20 = 1`,
    ).run()
    const chat = db
      .prepare<[{ now: number }], { id: number }>(
        `INSERT INTO chats (title, state, telegram_chat_id, invite_link, bot_status, bot_can_invite, bot_can_restrict, created_at, updated_at)
         VALUES ('Bench chat', 'active', -1009000000001, 'https://t.me/+bench', 'administrator', 1, 1, @now, @now) RETURNING id`,
      )
      .get({ now })!
    const rule = db
      .prepare<[{ chatId: number; minKarma: number; now: number }], { id: number }>(
        `INSERT INTO rules (group_id, chat_id, min_karma, remove_below, enabled, created_at, updated_at)
         VALUES (NULL, @chatId, @minKarma, NULL, 1, @now, @now) RETURNING id`,
      )
      .get({ chatId: chat.id, minKarma: MIN_KARMA_NONE, now })!
    db.prepare(
      `INSERT INTO rules (group_id, chat_id, min_karma, remove_below, enabled, created_at, updated_at)
       SELECT id, @chatId, @minKarma, NULL, 1, @now, @now FROM groups WHERE slug = 'webmasters'`,
    ).run({ chatId: chat.id, minKarma: GROUP_RULE_MIN_KARMA, now })
    db.prepare(
      `INSERT INTO memberships (user_id, chat_id, state, reason, updated_at)
       SELECT u.id, @chatId, 'member', 'joined', @now
       FROM users u JOIN user_groups ug ON ug.user_id = u.id JOIN groups g ON g.id = ug.group_id AND g.slug = 'webmasters'
       WHERE u.telegram_id IS NOT NULL AND u.karma >= @minKarma`,
    ).run({ chatId: chat.id, minKarma: GROUP_RULE_MIN_KARMA, now })
    return { chatId: chat.id, ruleId: rule.id }
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.exec('ANALYZE')
  return { ...ids, fillMs: performance.now() - start }
}

/** What the data says the change must do, computed independently of the reconcile. */
function newlyEligible(db: SqliteDatabase, chatId: number, minKarma: number): number {
  return db
    .prepare<[{ chatId: number; minKarma: number }], { n: number }>(
      `SELECT count(*) AS n FROM users u
       LEFT JOIN memberships m ON m.user_id = u.id AND m.chat_id = @chatId AND m.state IN ('eligible', 'invited', 'member')
       WHERE u.telegram_id IS NOT NULL AND u.karma >= @minKarma AND m.user_id IS NULL`,
    )
    .get({ chatId, minKarma })!.n
}

function count(db: SqliteDatabase, sql: string): number {
  return db.prepare<[], { n: number }>(sql).get()!.n
}

/** Runs the rule change in a fresh child process and returns what it reported. */
function runChild(dbPath: string, fixture: Fixture, minKarma: number, label: string): Promise<ReconcileChildReport> {
  const execArgv = ['--import', import.meta.resolve('tsx')]
  if (CPU_PROF_DIR !== '') execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(CPU_PROF_DIR, label)}`)
  const child = fork(CHILD_SCRIPT, [dbPath, String(fixture.ruleId), String(fixture.chatId), String(minKarma)], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    let report: ReconcileChildReport | undefined
    child.on('message', (message: unknown) => {
      if (isReconcileChildReport(message)) report = message
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code === 0 && report) resolve(report)
      else reject(new Error(`the reconcile child exited with code ${String(code)}${report ? '' : ' without a report'}`))
    })
  })
}

interface StepResult {
  readonly size: number
  readonly step: 'lower' | 'raise'
  readonly expected: number
  readonly report: ReconcileChildReport
  readonly problems: readonly string[]
}

const MB = 1024 * 1024
const fmtMb = (bytes: number): string => `${(bytes / MB).toFixed(0)} MB`
const fmtS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

async function benchSize(n: number): Promise<StepResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'karmagate-bench-reconcile-'))
  const dbPath = join(dir, 'karmagate.db')
  try {
    const db = openDatabase(dbPath)
    let fixture: Fixture
    let expectedInvites: number
    try {
      migrate(db)
      const filled = fill(db, n)
      fixture = { ...filled, dbBytes: statSync(dbPath).size }
      expectedInvites = newlyEligible(db, fixture.chatId, MIN_KARMA_TEN_PERCENT)
    } finally {
      db.close()
    }
    console.log(
      `\n## ${fmtInt(n)} members: filled in ${fmtS(fixture.fillMs)}, database ${fmtMb(fixture.dbBytes)}, ${fmtInt(expectedInvites)} to invite`,
    )

    const results: StepResult[] = []
    const check = openDatabase(dbPath)
    try {
      // 1. Lower the threshold: one invite per newly eligible member.
      const lower = await runChild(dbPath, fixture, MIN_KARMA_TEN_PERCENT, `${n}-lower`)
      const invites = count(check, `SELECT count(*) AS n FROM jobs WHERE kind = 'member.invite' AND state = 'queued'`)
      const distinct = count(
        check,
        `SELECT count(DISTINCT dedupe_key) AS n FROM jobs WHERE kind = 'member.invite' AND state = 'queued'`,
      )
      const eligible = count(check, `SELECT count(*) AS n FROM memberships WHERE state = 'eligible'`)
      const otherJobs = count(check, `SELECT count(*) AS n FROM jobs WHERE kind <> 'member.invite'`)
      const lowerProblems: string[] = []
      if (invites !== expectedInvites)
        lowerProblems.push(`${invites} member.invite jobs queued, ${expectedInvites} newly eligible`)
      if (distinct !== invites) lowerProblems.push(`${invites - distinct} duplicate invite jobs`)
      if (lower.invitesQueued !== expectedInvites)
        lowerProblems.push(`reconcile reported ${lower.invitesQueued} invites`)
      if (eligible !== expectedInvites)
        lowerProblems.push(`${eligible} memberships eligible, ${expectedInvites} expected`)
      if (otherJobs !== 0 || lower.removalsQueued !== 0 || lower.withdrawn !== 0)
        lowerProblems.push('unexpected removals or other jobs')
      results.push({ size: n, step: 'lower', expected: expectedInvites, report: lower, problems: lowerProblems })

      // 2. Raise it back: the invites not yet sent are withdrawn (their memberships marked removed).
      const raise = await runChild(dbPath, fixture, MIN_KARMA_NONE, `${n}-raise`)
      const stillEligible = count(check, `SELECT count(*) AS n FROM memberships WHERE state IN ('eligible', 'invited')`)
      const jobsAfter = count(check, 'SELECT count(*) AS n FROM jobs')
      const raiseProblems: string[] = []
      if (raise.withdrawn !== expectedInvites)
        raiseProblems.push(`${raise.withdrawn} withdrawn, ${expectedInvites} expected`)
      if (stillEligible !== 0) raiseProblems.push(`${stillEligible} memberships still eligible or invited`)
      if (raise.invitesQueued !== 0 || raise.removalsQueued !== 0) raiseProblems.push('the raise queued jobs')
      if (jobsAfter !== expectedInvites)
        raiseProblems.push(`${jobsAfter} jobs in the table, ${expectedInvites} expected`)
      results.push({ size: n, step: 'raise', expected: expectedInvites, report: raise, problems: raiseProblems })
    } finally {
      check.close()
    }
    for (const r of results) {
      const rep = r.report
      console.log(
        `  ${r.step.padEnd(6)} wall ${fmtS(rep.wallMs)} (CPU user ${fmtS(rep.cpuUserMs)}, system ${fmtS(rep.cpuSystemMs)}), ` +
          `RSS ${fmtMb(rep.rssBefore)} -> ${fmtMb(rep.rssAfter)}, peak ${fmtMb(rep.maxRssAfter)} (peak before ${fmtMb(rep.maxRssBefore)}); ` +
          `invites ${fmtInt(rep.invitesQueued)}, withdrawn ${fmtInt(rep.withdrawn)}${r.problems.length > 0 ? `; INVALID: ${r.problems.join('; ')}` : ''}`,
      )
    }
    return results
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const sizes = sizesFromEnv()
  console.log(`# Reconcile benchmark\n\nMachine: ${machine()}`)
  const results: StepResult[] = []
  for (const n of sizes) results.push(...(await benchSize(n)))

  console.log(
    '\n| Members | Rule change | Jobs / memberships changed | Wall time | Peak RSS (RSS before -> after) | Target | Met |',
  )
  console.log('| ---: | --- | ---: | ---: | ---: | --- | :---: |')
  for (const r of results) {
    const rep = r.report
    const what =
      r.step === 'lower'
        ? `${fmtInt(rep.invitesQueued)} \`member.invite\` queued`
        : `${fmtInt(rep.withdrawn)} withdrawn`
    const targeted = r.size === TARGET_SIZE
    const met = rep.wallMs <= TARGET_MS && rep.maxRssAfter <= TARGET_BYTES
    console.log(
      `| ${fmtInt(r.size)} | ${r.step === 'lower' ? `min_karma ${MIN_KARMA_NONE} -> ${MIN_KARMA_TEN_PERCENT}` : `min_karma ${MIN_KARMA_TEN_PERCENT} -> ${MIN_KARMA_NONE}`} | ${what} | ` +
        `${fmtS(rep.wallMs)} | ${fmtMb(rep.maxRssAfter)} (${fmtMb(rep.rssBefore)} -> ${fmtMb(rep.rssAfter)}) | ` +
        `${targeted ? '<= 10 s, <= 256 MB' : '(for scale)'} | ${targeted ? (met ? '**yes**' : '**no**') : ''} |`,
    )
  }
  const invalid = results.filter((r) => r.problems.length > 0)
  if (invalid.length > 0) {
    console.error(
      `\nINVALID RUN: ${invalid.map((r) => `${fmtInt(r.size)} ${r.step}: ${r.problems.join('; ')}`).join(' | ')}`,
    )
    process.exit(1)
  }
  console.log('\nValid: every invite job matches a newly eligible member, every withdrawal an unsent invite.')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
