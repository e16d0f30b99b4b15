import type { MessageEntity } from 'grammy/types'
import { badRequest } from '../errors.js'
import { type FormattedText, parseHtml } from '../format.js'
import type { Params } from './params.js'

/** Telegram's limit on a text message, in characters after entity parsing. */
export const MAX_TEXT_LENGTH = 4096

/**
 * Reads `text` with `parse_mode` or `entities` as `sendMessage` and `editMessageText` take
 * them. HTML is parsed into entities; Markdown and MarkdownV2 are accepted and kept as sent
 * (the emulator does not parse them).
 */
export function readText(params: Params): FormattedText {
  const raw = params.string('text') ?? ''
  const parseMode = params.string('parse_mode')
  let formatted: FormattedText
  switch (parseMode?.toLowerCase()) {
    case undefined:
    case '':
    case 'markdown':
    case 'markdownv2': {
      const entities = params.json('entities', badRequest("can't parse entities JSON object"))
      if (entities !== undefined && !Array.isArray(entities)) throw badRequest("can't parse entities JSON object")
      formatted = { text: raw, entities: (entities ?? []) as MessageEntity[] }
      break
    }
    case 'html':
      formatted = parseHtml(raw)
      break
    default:
      throw badRequest(`unsupported parse_mode`)
  }
  if (formatted.text.trim() === '') throw badRequest('message text is empty')
  if (formatted.text.length > MAX_TEXT_LENGTH) throw badRequest('message is too long')
  return formatted
}
