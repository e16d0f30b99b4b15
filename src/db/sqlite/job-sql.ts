import {
  DEDUPE_SEPARATOR,
  DIRECT_MESSAGE_KINDS,
  JOB_OWNERS,
  type JobKind,
  MEMBER_LANE_PREFIX,
  type MemberChatJobKind,
} from '../../jobs/kinds.js'

/**
 * Set-based SQL that queues jobs builds each row as the constructors of `src/jobs/kinds.ts` build
 * one: the same kind, owner, payload and dedupe key (a test holds them together). Kinds are our
 * own constants, never input, so they are written into the SQL.
 */

/** The head of a set-based insert into `jobs`; a duplicate of a waiting job is skipped. */
export const INSERT_JOBS = `INSERT OR IGNORE INTO jobs (kind, owner, payload, dedupe_key, lane, max_attempts, run_after, created_at, updated_at)`

/** The rest of a row after its kind, owner, payload and key: `@maxAttempts`, `@nowMs`, `@now`. */
const TIMES = '@maxAttempts, @nowMs, @now, @now'

const SEP = `'${DEDUPE_SEPARATOR}'`

const head = (kind: JobKind) => `'${kind}', '${JOB_OWNERS[kind]}'`

/** A select list for {@link INSERT_JOBS}: a `kind` job about the member and chat these expressions name. */
export function memberChatJobRow(kind: MemberChatJobKind, memberExpr: string, chatExpr: string): string {
  const lane = DIRECT_MESSAGE_KINDS.has(kind) ? `'${MEMBER_LANE_PREFIX}' || ${memberExpr}` : 'NULL'
  return `${head(kind)}, json_object('memberId', ${memberExpr}, 'chatId', ${chatExpr}),
          '${kind}' || ${SEP} || ${memberExpr} || ${SEP} || ${chatExpr}, ${lane}, ${TIMES}`
}

/** A select list for {@link INSERT_JOBS}: a `kind` job about the chat `chatExpr` names. */
export function chatJobRow(kind: 'chat.create' | 'chat.link', chatExpr: string): string {
  return `${head(kind)}, json_object('chatId', ${chatExpr}), '${kind}' || ${SEP} || ${chatExpr}, NULL, ${TIMES}`
}

/** The dedupe key of a `kind` job about the member and chat these expressions name, as SQL. */
export function memberChatDedupeKey(kind: MemberChatJobKind, memberExpr: string, chatExpr: string): string {
  return `'${kind}' || ${SEP} || ${memberExpr} || ${SEP} || ${chatExpr}`
}
