/**
 * What the benchmark's load generator (`login.ts`) and its server process (`servers.ts`) must
 * agree on: the fake bot the site verifies logins for, and the messages between the processes.
 */

/** A bot token of the right shape (`loadConfig` checks it); never a real one. */
export const BENCH_BOT_TOKEN = '987654321:AAbenchTOKENbenchTOKENbenchTOKEN_42'
export const BENCH_BOT_USERNAME = 'karmagate_bench_bot'
/** 32+ characters, as `loadConfig` demands. */
export const BENCH_SESSION_SECRET = 'bench-session-secret-0123456789abcdef'
/** How old a login may be on the benchmarked site: the pregenerated URLs must stay younger. */
export const BENCH_LOGIN_MAX_AGE_SECONDS = 600

/**
 * The HTTP targets, each started by `servers.ts` in its own child process. `bare` and `route`
 * are the benchmark; the others only run with BENCH_DIAGNOSE=1, to tell where the route's time
 * goes: `route-memory` is the same site over an in-memory SQLite database (no file I/O), and
 * `bare-redirect` answers like a successful login (cookie, no-store, 302) without any work.
 */
export type ServerTarget = 'bare' | 'route' | 'bare-node' | 'route-memory' | 'bare-redirect'

export const SERVER_TARGETS: readonly ServerTarget[] = ['bare', 'route', 'bare-node', 'route-memory', 'bare-redirect']

/** Sent by the child once it listens, so the parent knows where to aim. */
export interface ListeningMessage {
  readonly type: 'listening'
  readonly port: number
}

/** Sent by the parent when it is done with the child; the child then closes and exits. */
export interface StopMessage {
  readonly type: 'stop'
}

/** Sent by the parent to ask a server process what it has used so far; answered with {@link UsageReport}. */
export interface UsageRequest {
  readonly type: 'usage'
}

/** A server process's CPU time and requests since it started listening. */
export interface UsageReport {
  readonly type: 'usage-report'
  /** Microseconds of CPU (`process.cpuUsage()`, all threads of the process). */
  readonly userUs: number
  readonly systemUs: number
  /** HTTP requests received. */
  readonly requests: number
}

export function isUsageRequest(message: unknown): message is UsageRequest {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'usage'
}

export function isUsageReport(message: unknown): message is UsageReport {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'usage-report'
}

/** Narrows an IPC message (typed `unknown` by Node) to {@link ListeningMessage}. */
export function isListeningMessage(message: unknown): message is ListeningMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'listening' &&
    typeof (message as { port?: unknown }).port === 'number'
  )
}

/** Narrows an IPC message to {@link StopMessage}. */
export function isStopMessage(message: unknown): message is StopMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'stop'
}

// ---------------------------------------------------------------------------------------------
// `webhook.ts` and `webhook-servers.ts`

/** What the benchmarked webhook expects in `X-Telegram-Bot-Api-Secret-Token` (Telegram's alphabet, 16+). */
export const BENCH_WEBHOOK_SECRET = 'bench_webhook_secret_0123456789'
/** The bot's id: the number before the colon of {@link BENCH_BOT_TOKEN}, as Telegram has it. */
export const BENCH_BOT_ID = 987654321
/** The site's origin in the webhook benchmark; an https origin, as a webhook deployment has. */
export const BENCH_WEBHOOK_PUBLIC_URL = 'https://karmagate.example'
export const BENCH_WEBHOOK_PATH = '/telegram/webhook'

/**
 * The webhook benchmark's HTTP targets, each started by `webhook-servers.ts` in its own child
 * process. `webhook-bare` and `webhook-bot` are the benchmark; the others run only with
 * BENCH_DIAGNOSE=1, to tell where the bot's time goes:
 * - `webhook-bot-memory`: the same site and bot over an in-memory SQLite database (no file I/O);
 * - `webhook-site-reply`: the same site, but its webhook router answers the same reply without
 *   grammY or the database (the site's middleware, the secret check and body parsing only);
 * - `webhook-bare-reply`: bare Express + `express.json()` answering the same reply (JSON, same
 *   size), to tell what the larger response alone costs;
 * - `webhook-bot-first`: what-if, the same bot and site, but the webhook router mounted on an
 *   Express app of its own ahead of the site (`createApp` mounted after it), so updates skip the
 *   site's middleware (helmet, health routes);
 * - `webhook-bot-first-noetag`: what-if, as `webhook-bot-first` with Express's `etag` setting
 *   off on that app, so the reply is not hashed and goes out in a single write.
 */
export type WebhookTarget =
  | 'webhook-bare'
  | 'webhook-bot'
  | 'webhook-bot-memory'
  | 'webhook-site-reply'
  | 'webhook-bare-reply'
  | 'webhook-bot-first'
  | 'webhook-bot-first-noetag'

export const WEBHOOK_TARGETS: readonly WebhookTarget[] = [
  'webhook-bare',
  'webhook-bot',
  'webhook-bot-memory',
  'webhook-site-reply',
  'webhook-bare-reply',
  'webhook-bot-first',
  'webhook-bot-first-noetag',
]

/** Sent by the parent after a run: the child answers with a {@link WebhookReport}. */
export interface ReportRequest {
  readonly type: 'report'
}

/** What the webhook server saw besides HTTP: outgoing connections and the members table. */
export interface WebhookReport {
  readonly type: 'webhook-report'
  /** TCP connections the process opened (to the Bot API root or anywhere) since it listened. */
  readonly outgoingConnections: number
  /** Of those, how many failed (the Bot API root is a closed port, so every one should). */
  readonly outgoingFailures: number
  /** Outgoing HTTP requests by Bot API method (the last path segment; the token is never kept). */
  readonly outgoingMethods: Readonly<Record<string, number>>
  /** Before listening, one deliberate Bot API call was made: did it hit the closed port and fail? */
  readonly probe: { readonly connections: number; readonly failures: number }
  /** Rows in `users`, and how many the bot may write to; null when the target has no database file. */
  readonly members: number | null
  readonly membersCanDm: number | null
}

export function isReportRequest(message: unknown): message is ReportRequest {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'report'
}

export function isWebhookReport(message: unknown): message is WebhookReport {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'webhook-report'
}
