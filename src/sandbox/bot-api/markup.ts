import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types'
import { badRequest } from '../errors.js'
import type { Params } from './params.js'

/** What `reply_markup` may be on a message the emulator keeps. */
export interface ParsedMarkup {
  /** The inline keyboard attached to the message, if any. */
  readonly inline?: InlineKeyboardMarkup
  /** A reply keyboard (`keyboard`), `remove_keyboard` or `force_reply`, accepted as sent. */
  readonly other?: Readonly<Record<string, unknown>>
}

const CANT_PARSE = badRequest("can't parse reply keyboard markup JSON object")
const BUTTON_KINDS = [
  'url',
  'callback_data',
  'login_url',
  'web_app',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
] as const

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Whether `url` is a link a Telegram button may open: http(s) or tg. */
function isButtonUrl(url: unknown, allowTg: boolean): url is string {
  if (typeof url !== 'string') return false
  try {
    const { protocol, hostname } = new URL(url)
    if (protocol === 'tg:') return allowTg
    return (protocol === 'http:' || protocol === 'https:') && hostname !== ''
  } catch {
    return false
  }
}

function checkButton(button: unknown): InlineKeyboardButton {
  if (!isObject(button)) throw CANT_PARSE
  if (typeof button.text !== 'string' || button.text.trim() === '')
    throw badRequest('text buttons are unallowed in the inline keyboard')
  const kinds = BUTTON_KINDS.filter((kind) => button[kind] !== undefined)
  if (kinds.length === 0) throw badRequest('text buttons are unallowed in the inline keyboard')
  if (kinds.length > 1)
    throw badRequest("can't parse inline keyboard button: only one of the optional fields must be used")
  const kind = kinds[0]
  if (kind === 'callback_data') {
    const data = button.callback_data
    if (typeof data !== 'string' || data === '' || Buffer.byteLength(data) > 64) throw badRequest('BUTTON_DATA_INVALID')
  } else if (kind === 'url') {
    if (!isButtonUrl(button.url, true))
      throw badRequest(`inline keyboard button URL '${String(button.url)}' is invalid: Unsupported URL protocol`)
  } else if (kind === 'login_url') {
    const login = button.login_url
    if (!isObject(login) || !isButtonUrl(login.url, false)) throw badRequest('BUTTON_URL_INVALID')
    if (login.bot_username !== undefined && typeof login.bot_username !== 'string') throw CANT_PARSE
    if (login.forward_text !== undefined && typeof login.forward_text !== 'string') throw CANT_PARSE
    if (login.request_write_access !== undefined && typeof login.request_write_access !== 'boolean') throw CANT_PARSE
  }
  return button as unknown as InlineKeyboardButton
}

/** Checks an inline keyboard as Telegram does and returns it. */
export function checkInlineKeyboard(markup: Record<string, unknown>): InlineKeyboardMarkup {
  const rows = markup.inline_keyboard
  if (!Array.isArray(rows)) throw badRequest('field "inline_keyboard" must be an Array')
  const checked = rows.map((row: unknown) => {
    if (!Array.isArray(row)) throw badRequest('field "inline_keyboard" must be an Array of Array')
    return row.map(checkButton)
  })
  return { inline_keyboard: checked }
}

/** Reads and checks `reply_markup`; `inlineOnly` for edits, which take inline keyboards only. */
export function readReplyMarkup(params: Params, inlineOnly = false): ParsedMarkup | undefined {
  const markup = params.json('reply_markup', CANT_PARSE)
  if (markup === undefined) return undefined
  if (!isObject(markup)) throw CANT_PARSE
  if (markup.inline_keyboard !== undefined) {
    const inline = checkInlineKeyboard(markup)
    // Telegram drops an empty keyboard rather than attaching it.
    return inline.inline_keyboard.some((row) => row.length > 0) ? { inline } : {}
  }
  if (inlineOnly) throw badRequest('inline keyboard expected')
  if (markup.keyboard !== undefined || markup.remove_keyboard !== undefined || markup.force_reply !== undefined) {
    return { other: markup }
  }
  throw CANT_PARSE
}

/** The button at `[row, column]`, or the first whose text is `text`. */
export function findButton(
  markup: InlineKeyboardMarkup | undefined,
  which: string | readonly [number, number],
): InlineKeyboardButton | undefined {
  if (!markup) return undefined
  if (typeof which === 'string') return markup.inline_keyboard.flat().find((b) => b.text === which)
  return markup.inline_keyboard[which[0]]?.[which[1]]
}
