import { createHmac, createSecretKey, type KeyObject, randomFillSync } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestHandler, Response } from 'express'
import { type CookieAttributes, readCookie, setCookie } from '../http/cookies.js'
import type { Member } from '../db/members.js'
import type { SessionData, StoredSession } from '../db/sessions.js'
import type { Store } from '../db/store.js'
import { msToWholeSeconds, secondsToMs, toUnixSeconds } from '../time.js'
import { textProblem } from '../text.js'

declare global {
  // Express's own extension point for typed res.locals.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** The visitor's session, when the cookie names a live one. */
      session?: StoredSession
      /** The logged-in member, when the session has one. */
      member?: Member
    }
  }
}

/** How the site's sessions are keyed, named and timed. */
export interface SessionOptions {
  /** Keys the stored hash of each session id. */
  readonly secret: string
  /** Adds `Secure` and the `__Host-` prefix, for https sites. */
  readonly secure: boolean
  /** Lifetime of a logged-in session. */
  readonly maxAgeSeconds: number
  /** Lifetime of a visitor's session that only remembers where to go after login. @default 3600 */
  readonly visitorMaxAgeSeconds?: number
  /** Current time in milliseconds. @default Date.now */
  readonly clock?: () => number
}

// A session id is its creation time (8 hex digits of Unix seconds) and 256 random bits. The
// time goes first so that the sessions table, keyed by the stored form of the id, takes new
// sessions in order on its last page: with random keys every login wrote a page of its own.
const ID_SHAPE = /^[0-9a-f]{8}[A-Za-z0-9_-]{43}$/
const TIME_DIGITS = 8
const ID_BYTES = 32

// Session ids are drawn from a pool refilled 128 ids at a time: one call into the CSPRNG per
// refill instead of one per login. Each id's bytes are used once and never handed out again.
const idPool = Buffer.alloc(ID_BYTES * 128)
let idPoolOffset = idPool.length

function randomId(): string {
  if (idPoolOffset === idPool.length) {
    randomFillSync(idPool)
    idPoolOffset = 0
  }
  const id = idPool.toString('base64url', idPoolOffset, idPoolOffset + ID_BYTES)
  idPoolOffset += ID_BYTES
  return id
}

/** Sessions on top of {@link Store.sessions}: cookie handling, id hashing, rotation. */
export class Sessions {
  /** The cookie's name; `__Host-` binds it to this exact origin over https. */
  readonly cookieName: string
  private readonly clock: () => number
  private readonly hashKey: KeyObject

  constructor(
    private readonly store: Store,
    private readonly options: SessionOptions,
  ) {
    this.cookieName = options.secure ? '__Host-kg_session' : 'kg_session'
    this.clock = options.clock ?? Date.now
    this.hashKey = createSecretKey(Buffer.from(options.secret, 'utf8'))
  }

  /** The current time by this site's clock (ms since the epoch). */
  now(): number {
    return this.clock()
  }

  /**
   * The stored form of a session id: its time prefix, then its HMAC with the session secret, so
   * the table alone is useless and its keys still arrive in time order.
   */
  storedIdOf(id: string): string {
    return id.slice(0, TIME_DIGITS) + this.hashId(id)
  }

  /** HMAC-SHA256 of `value` keyed by the session secret, base64url. */
  hashId(value: string): string {
    return createHmac('sha256', this.hashKey).update(value).digest('base64url')
  }

  /** A new session id (its creation time, then 256 random bits) and its stored form. */
  newId(): { id: string; idHash: string } {
    const id = toUnixSeconds(this.now()).toString(16).padStart(TIME_DIGITS, '0') + randomId()
    return { id, idHash: this.storedIdOf(id) }
  }

  /** Expiry of a new logged-in session created now. */
  memberExpiry(): number {
    return this.now() + secondsToMs(this.options.maxAgeSeconds)
  }

  private cookieAttributes(): Omit<CookieAttributes, 'maxAgeSeconds' | 'expires' | 'now'> {
    return { path: '/', httpOnly: true, secure: this.options.secure, sameSite: 'Lax' }
  }

  /** Sets the cookie for a session id created by {@link newId}, on any response (Express's or Node's). */
  setCookie(res: ServerResponse, id: string, expiresAt: number): void {
    setCookie(res, this.cookieName, id, {
      ...this.cookieAttributes(),
      maxAgeSeconds: Math.max(0, msToWholeSeconds(expiresAt - this.now())),
      now: this.now(),
    })
  }

  /** Removes the session cookie from the browser. */
  clearCookie(res: ServerResponse): void {
    setCookie(res, this.cookieName, '', { ...this.cookieAttributes(), expires: new Date(1) })
  }

  /** The live session the request's cookie names, if any. */
  async fromRequest(req: IncomingMessage): Promise<StoredSession | undefined> {
    const id = readCookie(req.headers.cookie, this.cookieName)
    return id === undefined ? undefined : this.find(id)
  }

  private async find(id: string): Promise<StoredSession | undefined> {
    return ID_SHAPE.test(id) ? this.store.sessions.find(this.storedIdOf(id), this.now()) : undefined
  }

  /**
   * Middleware: loads `res.locals.session` and `res.locals.member` from the cookie, and clears
   * a cookie that names no live session.
   */
  load(): RequestHandler {
    return async (req, res, next) => {
      const id = readCookie(req.headers.cookie, this.cookieName)
      if (id === undefined) {
        next()
        return
      }
      const session = await this.find(id)
      if (!session) {
        this.clearCookie(res)
        next()
        return
      }
      res.locals.session = session
      if (session.userId !== null) {
        const member = await this.store.members.findById(session.userId)
        if (member) res.locals.member = member
      }
      next()
    }
  }

  /** Starts a visitor's session (not logged in) that remembers `data`, replacing any other. */
  async startVisitor(res: Response, data: SessionData): Promise<void> {
    const previous = res.locals.session
    if (previous) await this.store.sessions.delete(previous.idHash)
    const { id, idHash } = this.newId()
    const expiresAt = this.now() + secondsToMs(this.options.visitorMaxAgeSeconds ?? 3600)
    await this.store.sessions.create({ idHash, userId: null, data, expiresAt }, this.now())
    this.setCookie(res, id, expiresAt)
  }

  /** Ends the current session, if any, in the store and in the browser. */
  async end(res: Response): Promise<void> {
    const session = res.locals.session
    if (session) await this.store.sessions.delete(session.idHash)
    this.clearCookie(res)
  }
}

/** A local path that is safe to redirect to after login, or undefined. */
export function safeReturnPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) {
    return undefined
  }
  // A Location header cannot carry control characters, nor a broken one.
  if (textProblem(path) !== undefined) return undefined
  return path.length <= 512 ? path : undefined
}
