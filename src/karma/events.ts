import { hash } from 'node:crypto'

/** Who a karma event is for: by Telegram id, by the existing site's own id, or by ours. */
export type MemberRef =
  { readonly telegramId: number } | { readonly externalId: string } | { readonly memberId: number }

/** Where a karma event came from. */
export type KarmaSource = 'admin' | 'api' | 'bot'

/** A karma event as asked for, before it is validated. */
export interface KarmaEventRequest {
  readonly member: MemberRef
  readonly delta: number
  readonly reason: string
  readonly source: KarmaSource
  /** Who asked: an admin's Telegram id, an API key's name … */
  readonly actor: string
  /** The caller's key for this event: sending it again returns the first result. */
  readonly idempotencyKey: string
}

/** A karma event as stored. */
export interface KarmaEvent {
  readonly id: number
  readonly memberId: number
  readonly delta: number
  readonly reason: string
  readonly source: KarmaSource
  readonly actor: string
  readonly idempotencyKey: string
  /** The member's karma right after this event. */
  readonly karmaAfter: number
  readonly createdAt: number
}

/** The largest change one event may make, either way. @default 1000000 */
export const MAX_KARMA_DELTA = 1_000_000
/** Longest reason, in characters. */
export const MAX_REASON_LENGTH = 500
/** Longest idempotency key, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200
/** Longest external (existing site's) member id, in characters. */
export const MAX_EXTERNAL_ID_LENGTH = 100

/** Why a karma event was refused. */
export type KarmaErrorCode = 'invalid' | 'member_not_found' | 'idempotency_conflict'

/** A refused karma event, with the field at fault and, in a batch, the event's index. */
export class KarmaError extends Error {
  override readonly name = 'KarmaError'
  readonly code: KarmaErrorCode
  readonly field: string | undefined
  /** Position of the event in its batch, when it was one. */
  index: number | undefined

  constructor(code: KarmaErrorCode, message: string, field?: string) {
    super(message)
    this.code = code
    this.field = field
  }
}

const PRINTABLE_KEY = /^[\x21-\x7e]+$/

/** Checks a request and returns it normalized (reason trimmed), or throws {@link KarmaError}. */
export function validateKarmaEvent(request: KarmaEventRequest): KarmaEventRequest {
  const { member, delta } = request
  if ('telegramId' in member) {
    if (!Number.isSafeInteger(member.telegramId) || member.telegramId <= 0) {
      throw new KarmaError('invalid', 'member.telegramId must be a positive integer', 'member.telegramId')
    }
  } else if ('externalId' in member) {
    const id = member.externalId
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_EXTERNAL_ID_LENGTH || id.trim() !== id) {
      throw new KarmaError(
        'invalid',
        `member.externalId must be 1 to ${String(MAX_EXTERNAL_ID_LENGTH)} characters without surrounding spaces`,
        'member.externalId',
      )
    }
  } else if (!Number.isSafeInteger(member.memberId) || member.memberId <= 0) {
    throw new KarmaError('invalid', 'member id must be a positive integer', 'member')
  }
  if (!Number.isSafeInteger(delta) || delta === 0 || Math.abs(delta) > MAX_KARMA_DELTA) {
    throw new KarmaError(
      'invalid',
      `delta must be a non-zero integer from -${String(MAX_KARMA_DELTA)} to ${String(MAX_KARMA_DELTA)}`,
      'delta',
    )
  }
  const reason = typeof request.reason === 'string' ? request.reason.trim() : ''
  if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw new KarmaError('invalid', `reason must be 1 to ${String(MAX_REASON_LENGTH)} characters`, 'reason')
  }
  const key = request.idempotencyKey
  if (typeof key !== 'string' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !PRINTABLE_KEY.test(key)) {
    throw new KarmaError(
      'invalid',
      `idempotencyKey must be 1 to ${String(MAX_IDEMPOTENCY_KEY_LENGTH)} printable ASCII characters without spaces`,
      'idempotencyKey',
    )
  }
  return { ...request, reason }
}

/** Fingerprint of what an event asks for, to tell a replay from a different event under the same key. */
export function karmaRequestHash(request: KarmaEventRequest): string {
  const ref =
    'telegramId' in request.member
      ? ['t', request.member.telegramId]
      : 'externalId' in request.member
        ? ['e', request.member.externalId]
        : ['m', request.member.memberId]
  return hash('sha256', JSON.stringify([ref, request.delta, request.reason, request.source]), 'base64url')
}
