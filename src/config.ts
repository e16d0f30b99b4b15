import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { textProblem } from './text.js'

/** Where karmagate runs; `production` refuses every development shortcut. */
export type Environment = 'development' | 'production' | 'test'

/** The whole configuration, parsed once from the environment by {@link loadConfig}. */
export interface Config {
  /** @default 'development' */
  readonly env: Environment
  /**
   * The bot's token from BotFather. Absent only outside production: the web process then runs
   * on a random development token (the sandbox) and says so at start.
   */
  readonly botToken: string
  /** True when {@link botToken} was generated because `BOT_TOKEN` was not set. */
  readonly botTokenGenerated: boolean
  /** The bot's username without `@`; when absent, `getMe` fills it at start. */
  readonly botUsername: string | undefined
  /**
   * How the bot receives updates: `webhook` (`POST /telegram/webhook` on this site) or `polling`.
   * @default 'webhook' when {@link publicUrl} is https, else 'polling'
   */
  readonly botMode: 'webhook' | 'polling'
  /** The `X-Telegram-Bot-Api-Secret-Token` Telegram must send to the webhook; required in webhook mode. */
  readonly webhookSecret: string | undefined
  /** The site's origin, without a trailing slash, e.g. `https://karma.example.com`. */
  readonly publicUrl: string
  /** True when {@link publicUrl} is https: cookies get `Secure` and the `__Host-` prefix. */
  readonly secureCookies: boolean
  /** @default 3000 */
  readonly port: number
  /** @default './data/karmagate.db' */
  readonly databasePath: string
  /** Keys session ids and CSRF tokens. At least 32 characters. */
  readonly sessionSecret: string
  /** True when {@link sessionSecret} was generated because `SESSION_SECRET` was not set. */
  readonly sessionSecretGenerated: boolean
  /** Telegram ids of the site's admins. @default [] */
  readonly adminTelegramIds: ReadonlySet<number>
  /** How old a login may be, from its `auth_date`. @default 600 */
  readonly loginMaxAgeSeconds: number
  /** How long a logged-in session lasts. @default 2592000 (30 days) */
  readonly sessionMaxAgeSeconds: number
  /** Login attempts per minute from one client address. 0 disables the limit. @default 30 */
  readonly loginRateLimitPerMinute: number
  /** Seconds between full reconciles (the safety net behind per-change ones). @default 600 */
  readonly reconcileIntervalSeconds: number
  /** Bot jobs (each one or two messages) started per second at most; Telegram allows ~30. @default 25 */
  readonly botMessagesPerSecond: number
  /** The Bot API base URL (a self-hosted server or the emulator). @default 'https://api.telegram.org' */
  readonly telegramApiRoot: string
  /** Longest a Bot API call may go unanswered before it counts as failed. @default 15 */
  readonly botApiTimeoutSeconds: number
  /** Express's `trust proxy`: hops of reverse proxies in front of the site. @default 0 */
  readonly trustProxy: number
  /** The worker account's `api_id` from my.telegram.org; the `worker` commands need it. */
  readonly tgApiId: number | undefined
  /** The worker account's `api_hash` from my.telegram.org (secret). */
  readonly tgApiHash: string | undefined
  /** The worker's MTProto session file (its auth key; mode 0600). @default './data/worker.session' */
  readonly workerSessionPath: string
  /** The worker account's two-step verification password, if any (secret); else it is asked for. */
  readonly tg2faPassword: string | undefined
  /** Supergroups the worker creates per rolling 24 h at most (Telegram allows ~50). @default 20 */
  readonly chatsPerDay: number
  /** Longest one Telegram operation of the worker's account may take before it counts as failed. @default 60 */
  readonly workerCallTimeoutSeconds: number
  /** Seconds between login canary runs; 0 disables it. @default 0 */
  readonly canaryIntervalSeconds: number
  /** @default 'info' */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
}

/**
 * The worker's Telegram app credentials, or the problems that stop the `worker` commands.
 * Separate from {@link loadConfig} because the web process runs without them.
 */
export function workerCredentials(config: Config): { apiId: number; apiHash: string } | { problems: string[] } {
  const problems: string[] = []
  if (config.tgApiId === undefined)
    problems.push('TG_API_ID is required by the worker (api_id from https://my.telegram.org → API development tools)')
  if (config.tgApiHash === undefined)
    problems.push('TG_API_HASH is required by the worker (api_hash from the same page; secret)')
  if (config.tgApiId === undefined || config.tgApiHash === undefined) return { problems }
  return { apiId: config.tgApiId, apiHash: config.tgApiHash }
}

/** Raised when the environment does not describe a runnable karmagate; lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  /** One line per problem, each naming its variable. */
  readonly problems: readonly string[]

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.problems = problems
  }
}

/** Telegram's own Bot API, the default of `TELEGRAM_API_ROOT`. */
export const TELEGRAM_BOT_API_ROOT = 'https://api.telegram.org'

const BOT_TOKEN_SHAPE = /^\d{1,20}:[A-Za-z0-9_-]{30,100}$/

const blankToUndefined = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value

const positiveInt = (fallback: number) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d+$/, 'must be a positive whole number')
      .transform(Number)
      .refine((n) => Number.isSafeInteger(n) && n > 0, 'must be a positive whole number')
      .default(fallback),
  )

const nonNegativeInt = (fallback: number) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number, 0 or more')
      .transform(Number)
      .refine((n) => Number.isSafeInteger(n), 'must be a whole number, 0 or more')
      .default(fallback),
  )

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}, 'must be an http(s) URL')

const schema = z.object({
  NODE_ENV: z.preprocess(blankToUndefined, z.enum(['development', 'production', 'test']).default('development')),
  BOT_TOKEN: z.preprocess(
    blankToUndefined,
    z.string().regex(BOT_TOKEN_SHAPE, 'does not look like a bot token from BotFather (123456:ABC…)').optional(),
  ),
  BOT_USERNAME: z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((s) => s.replace(/^@/, ''))
      .pipe(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{3,31}$/, 'is not a Telegram username'))
      .optional(),
  ),
  BOT_MODE: z.preprocess(blankToUndefined, z.enum(['webhook', 'polling']).optional()),
  WEBHOOK_SECRET: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, "must be 16 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
      .optional(),
  ),
  PUBLIC_URL: z.preprocess(
    blankToUndefined,
    httpUrl
      .refine((value) => {
        const url = new URL(value)
        return url.pathname === '/' && url.search === '' && url.hash === '' && url.username === ''
      }, 'must be an origin only, like https://karma.example.com (no path, query or credentials)')
      .optional(),
  ),
  PORT: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d+$/, 'must be a port number')
      .transform(Number)
      .refine((n) => n >= 0 && n <= 65535, 'must be a port number from 0 to 65535')
      .default(3000),
  ),
  DATABASE_PATH: z.preprocess(blankToUndefined, z.string().default('./data/karmagate.db')),
  SESSION_SECRET: z.preprocess(
    blankToUndefined,
    z.string().min(32, 'must be at least 32 characters (try: openssl rand -hex 32)').optional(),
  ),
  ADMIN_TELEGRAM_IDS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean),
      )
      .refine(
        (ids) => ids.every((id) => /^[1-9]\d{0,15}$/.test(id) && Number.isSafeInteger(Number(id))),
        'must be Telegram user ids separated by commas, like 12345,67890',
      )
      .transform((ids) => new Set(ids.map(Number))),
  ),
  LOGIN_MAX_AGE_SECONDS: positiveInt(600),
  SESSION_MAX_AGE_SECONDS: positiveInt(30 * 24 * 3600),
  LOGIN_RATE_LIMIT_PER_MINUTE: nonNegativeInt(30),
  RECONCILE_INTERVAL_SECONDS: positiveInt(600),
  BOT_MESSAGES_PER_SECOND: positiveInt(25).refine((n) => n <= 30, "must be at most 30 (Telegram's limit for a bot)"),
  BOT_API_TIMEOUT_SECONDS: positiveInt(15).refine((n) => n <= 600, 'must be at most 600'),
  TELEGRAM_API_ROOT: z.preprocess(
    blankToUndefined,
    httpUrl.transform((s) => s.replace(/\/+$/, '')).default(TELEGRAM_BOT_API_ROOT),
  ),
  TRUST_PROXY: nonNegativeInt(0),
  TG_API_ID: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[1-9]\d{0,9}$/, 'must be the api_id from my.telegram.org (a positive whole number)')
      .transform(Number)
      .optional(),
  ),
  TG_API_HASH: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[0-9a-f]{32}$/, 'must be the api_hash from my.telegram.org (32 hex characters)')
      .optional(),
  ),
  WORKER_SESSION_PATH: z.preprocess(blankToUndefined, z.string().default('./data/worker.session')),
  TG_2FA_PASSWORD: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  CHATS_PER_DAY: positiveInt(20).refine((n) => n <= 50, "must be at most 50 (Telegram's limit is about 50 a day)"),
  WORKER_CALL_TIMEOUT_SECONDS: positiveInt(60).refine((n) => n <= 600, 'must be at most 600'),
  CANARY_INTERVAL_SECONDS: nonNegativeInt(0),
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
})

/**
 * Parses the environment into a {@link Config}, or throws one {@link ConfigError} that names
 * every problem at once. Reads only `env`; loading `.env` is the caller's job (see `cli.ts`).
 * Error messages never include a variable's value, so a mistyped secret is not printed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env)
  const problems: string[] = []
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = issue.path.join('.') || 'environment'
      problems.push(`${variable} ${issue.message}`)
    }
  }
  // Every variable karmagate reads is text of one line: a stray control character (a pasted
  // secret with its line break, a NUL) is named here rather than failing later somewhere else.
  for (const name of Object.keys(schema.shape)) {
    const value = env[name]
    const problem = value === undefined || value.trim() === '' ? undefined : textProblem(value.trim())
    if (problem !== undefined && !problems.some((p) => p.startsWith(`${name} `))) problems.push(`${name} ${problem}`)
  }
  // Checked on the raw environment too, so one run reports these alongside any parse errors.
  if (env.NODE_ENV === 'production') {
    const missing = (name: string) => (env[name] ?? '').trim() === ''
    if (missing('BOT_TOKEN')) problems.push('BOT_TOKEN is required in production (from @BotFather)')
    if (missing('PUBLIC_URL')) problems.push("PUBLIC_URL is required in production (the site's https origin)")
    if (missing('SESSION_SECRET')) problems.push('SESSION_SECRET is required in production (openssl rand -hex 32)')
  }
  if (parsed.success) {
    const https = (parsed.data.PUBLIC_URL ?? '').startsWith('https:')
    const mode = parsed.data.BOT_MODE ?? (https ? 'webhook' : 'polling')
    if (mode === 'webhook' && parsed.data.WEBHOOK_SECRET === undefined) {
      problems.push('WEBHOOK_SECRET is required when the bot uses a webhook (BOT_MODE=webhook, or PUBLIC_URL is https)')
    }
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems)
  const e = parsed.data

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '')
  return {
    env: e.NODE_ENV,
    botToken: e.BOT_TOKEN ?? developmentBotToken(),
    botTokenGenerated: e.BOT_TOKEN === undefined,
    botUsername: e.BOT_USERNAME ?? (e.BOT_TOKEN === undefined ? 'karmagate_sandbox_bot' : undefined),
    botMode: e.BOT_MODE ?? (publicUrl.startsWith('https:') ? 'webhook' : 'polling'),
    webhookSecret: e.WEBHOOK_SECRET,
    publicUrl,
    secureCookies: publicUrl.startsWith('https:'),
    port: e.PORT,
    databasePath: e.DATABASE_PATH,
    sessionSecret: e.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    sessionSecretGenerated: e.SESSION_SECRET === undefined,
    adminTelegramIds: e.ADMIN_TELEGRAM_IDS,
    loginMaxAgeSeconds: e.LOGIN_MAX_AGE_SECONDS,
    sessionMaxAgeSeconds: e.SESSION_MAX_AGE_SECONDS,
    loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
    reconcileIntervalSeconds: e.RECONCILE_INTERVAL_SECONDS,
    botMessagesPerSecond: e.BOT_MESSAGES_PER_SECOND,
    telegramApiRoot: e.TELEGRAM_API_ROOT,
    botApiTimeoutSeconds: e.BOT_API_TIMEOUT_SECONDS,
    trustProxy: e.TRUST_PROXY,
    tgApiId: e.TG_API_ID,
    tgApiHash: e.TG_API_HASH,
    workerSessionPath: e.WORKER_SESSION_PATH,
    tg2faPassword: e.TG_2FA_PASSWORD,
    chatsPerDay: e.CHATS_PER_DAY,
    workerCallTimeoutSeconds: e.WORKER_CALL_TIMEOUT_SECONDS,
    canaryIntervalSeconds: e.CANARY_INTERVAL_SECONDS,
    logLevel: e.LOG_LEVEL,
  }
}

function developmentBotToken(): string {
  return `${String(1_000_000 + (randomBytes(3).readUIntBE(0, 3) % 8_000_000))}:${randomBytes(27).toString('base64url')}`
}
