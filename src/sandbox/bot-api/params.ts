import { badRequest, type BotApiError } from '../errors.js'

/** One Bot API request's parameters, merged from the query string and the body. */
export type RawParams = Readonly<Record<string, unknown>>

/**
 * Reads Bot API parameters as Telegram does: a JSON body gives typed values, while a query
 * string or a form gives strings, where numbers, booleans and objects arrive as their text
 * (objects JSON-serialized). Missing required values and wrong types are Telegram's 400s.
 */
export class Params {
  readonly #raw: RawParams

  constructor(raw: RawParams) {
    this.#raw = raw
  }

  /** Whether `name` was sent with a non-empty value. */
  has(name: string): boolean {
    const value = this.#raw[name]
    return value !== undefined && value !== null && value !== ''
  }

  /** A string parameter; numbers are accepted as their text. */
  string(name: string): string | undefined {
    const value = this.#raw[name]
    if (value === undefined || value === null) return undefined
    if (typeof value === 'string') return value
    if (typeof value === 'number' || typeof value === 'boolean') return String(value)
    throw badRequest(`field "${name}" must be of type String`)
  }

  /** A required string parameter; missing or empty is `Bad Request: <name> is empty`. */
  requiredString(name: string, empty: BotApiError = badRequest(`${name} is empty`)): string {
    const value = this.string(name)
    if (value === undefined || value === '') throw empty
    return value
  }

  /** An integer parameter (a safe integer, or its decimal text). */
  integer(name: string): number | undefined {
    const value = this.#raw[name]
    if (value === undefined || value === null || value === '') return undefined
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^-?\d+$/.test(value.trim())
          ? Number(value)
          : NaN
    if (!Number.isSafeInteger(number)) throw badRequest(`field "${name}" must be of type Integer`)
    return number
  }

  /** A required integer parameter; missing is `Bad Request: <name> is empty`. */
  requiredInteger(name: string): number {
    const value = this.integer(name)
    if (value === undefined) throw badRequest(`${name} is empty`)
    return value
  }

  /** A boolean parameter: `true`/`false`, or their text, or 1/0. */
  boolean(name: string): boolean | undefined {
    const value = this.#raw[name]
    if (value === undefined || value === null || value === '') return undefined
    if (typeof value === 'boolean') return value
    if (value === 'true' || value === 1 || value === '1') return true
    if (value === 'false' || value === 0 || value === '0') return false
    throw badRequest(`field "${name}" must be of type Boolean`)
  }

  /**
   * A JSON-serialized parameter: an object or array as sent in a JSON body, or its text from a
   * form or query. Unparseable text throws `invalid`.
   */
  json(name: string, invalid: BotApiError): unknown {
    const value = this.#raw[name]
    if (value === undefined || value === null || value === '') return undefined
    if (typeof value !== 'string') return value
    try {
      return JSON.parse(value) as unknown
    } catch {
      throw invalid
    }
  }

  /**
   * `chat_id`: an integer, or `@username` (which names only public chats, and the emulator has
   * none, so it is `chat not found`).
   */
  chatId(name = 'chat_id'): number {
    const value = this.#raw[name]
    if (value === undefined || value === null || value === '') throw badRequest('chat_id is empty')
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value
    if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
      const id = Number(value)
      if (Number.isSafeInteger(id)) return id
    }
    throw badRequest('chat not found')
  }

  /** `user_id`: required, a positive integer. */
  userId(name = 'user_id'): number {
    const id = this.integer(name)
    if (id === undefined) throw badRequest(`${name} is empty`)
    if (id <= 0) throw badRequest('PARTICIPANT_ID_INVALID')
    return id
  }
}
