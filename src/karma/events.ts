import { hash } from 'node:crypto'

/** Who a karma event is for: by Telegram id, by the existing site's own id, or by ours. */
export type MemberRef =
  { readonly telegramId: number } | { readonly externalId: string } | { readonly memberId: number }

/** Where a karma event came from. */
export type KarmaSource = 'admin' | 'api' | 'bot'

declare const valid: unique symbol

/**
 * A karma event whose fields passed the one schema (`parseKarmaEvent` in `schema.ts`, which alone
 * makes these): the only kind the ledger stores.
 */
export interface ValidKarmaEvent {
  readonly member: MemberRef
  readonly delta: number
  /** Trimmed. */
  readonly reason: string
  readonly source: KarmaSource
  /** Who asked: an admin's Telegram id, an API key's name … */
  readonly actor: string
  /** The caller's key for this event: sending it again returns the first result. */
  readonly idempotencyKey: string
  readonly [valid]: true
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
  /** The field at fault, as a path within the event (`member.telegramId`); none for the event as a whole. */
  readonly field: string | undefined
  /** For `invalid`: what is wrong with {@link field}, without its name (`must be a positive integer`). */
  readonly problem: string | undefined
  /** Position of the event in its batch, when it was one. */
  index: number | undefined

  constructor(code: KarmaErrorCode, message: string, field?: string, problem?: string) {
    super(message)
    this.code = code
    this.field = field
    this.problem = problem
  }
}

/** Fingerprint of what an event asks for, to tell a replay from a different event under the same key. */
export function karmaRequestHash(request: Pick<ValidKarmaEvent, 'member' | 'delta' | 'reason' | 'source'>): string {
  const ref =
    'telegramId' in request.member
      ? ['t', request.member.telegramId]
      : 'externalId' in request.member
        ? ['e', request.member.externalId]
        : ['m', request.member.memberId]
  return hash('sha256', JSON.stringify([ref, request.delta, request.reason, request.source]), 'base64url')
}

/** A member as a karma event reports them. */
export interface KarmaMember {
  readonly id: number
  readonly telegramId: number | null
  readonly externalId: string | null
  readonly karma: number
}

/** The result of appending one event; a replayed key gives back the first result. */
export interface KarmaAppendResult {
  readonly event: KarmaEvent
  readonly member: KarmaMember
  /** True when the idempotency key had been used with the same event before. */
  readonly replayed: boolean
}
