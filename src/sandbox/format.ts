import type { MessageEntity } from 'grammy/types'
import { badRequest, type BotApiError } from './errors.js'

/** A message's text with its entities, as Telegram stores it after parsing. */
export interface FormattedText {
  readonly text: string
  readonly entities: MessageEntity[]
}

const SIMPLE_TAGS: Readonly<Record<string, MessageEntity['type']>> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  code: 'code',
  pre: 'pre',
  'tg-spoiler': 'spoiler',
  blockquote: 'blockquote',
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"' }

function cantParse(detail: string): BotApiError {
  return badRequest(`can't parse entities: ${detail}`)
}

function byteOffset(source: string, index: number): number {
  return Buffer.byteLength(source.slice(0, index))
}

/** Decodes `&…;` at `source[index]`; returns the text and the length consumed. */
function decodeEntity(source: string, index: number): [string, number] {
  const match = /^&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/.exec(source.slice(index, index + 12))
  if (!match?.[1]) return ['&', 1]
  const name = match[1]
  if (name.startsWith('#')) {
    const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return ['&', 1]
    return [String.fromCodePoint(code), match[0].length]
  }
  const named = NAMED_ENTITIES[name]
  return named === undefined ? ['&', 1] : [named, match[0].length]
}

/** The entity an opening tag starts; its offset and length are known at the closing tag. */
interface EntityStart {
  readonly type: MessageEntity['type']
  readonly url?: string
}

interface OpenTag {
  readonly name: string
  readonly offset: number
  readonly entity: EntityStart | undefined
}

/** Parses an opening tag's name and attributes into the entity it starts. */
function openTag(name: string, attributes: string, at: number, source: string): OpenTag['entity'] {
  if (name === 'a') {
    const href = /href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attributes)
    const url = href?.[1] ?? href?.[2] ?? href?.[3]
    if (url === undefined) return undefined // Telegram keeps the text and drops a link without href.
    return { type: 'text_link', url: url.replaceAll('&amp;', '&') }
  }
  if (name === 'span') {
    if (!/class\s*=\s*["']?tg-spoiler/i.test(attributes))
      throw cantParse(`Tag "span" must have class "tg-spoiler" at byte offset ${String(byteOffset(source, at))}`)
    return { type: 'spoiler' }
  }
  if (name === 'tg-emoji') return undefined
  const type = SIMPLE_TAGS[name]
  if (type === undefined)
    throw cantParse(`Unsupported start tag "${name}" at byte offset ${String(byteOffset(source, at))}`)
  return { type }
}

/**
 * Telegram's `parse_mode: "HTML"`: the supported tags become entities, `&lt;` `&gt;` `&amp;`
 * `&quot;` and numeric references are decoded, anything else is Telegram's
 * `Bad Request: can't parse entities: …`. Offsets count UTF-16 code units, as Telegram's do.
 */
export function parseHtml(source: string): FormattedText {
  let text = ''
  const entities: MessageEntity[] = []
  const open: OpenTag[] = []
  let i = 0
  while (i < source.length) {
    const ch = source[i]
    if (ch === '&') {
      const [decoded, consumed] = decodeEntity(source, i)
      text += decoded
      i += consumed
      continue
    }
    if (ch !== '<') {
      text += ch ?? ''
      i++
      continue
    }
    const end = source.indexOf('>', i)
    if (end === -1) throw cantParse(`Unclosed start tag at byte offset ${String(byteOffset(source, i))}`)
    const inner = source.slice(i + 1, end).trim()
    if (inner.startsWith('/')) {
      const name = inner.slice(1).trim().toLowerCase()
      const last = open.pop()
      if (!last || last.name !== name) {
        const expected = last ? `expected "</${last.name}>", found "</${name}>"` : `found "</${name}>"`
        throw cantParse(`Unmatched end tag at byte offset ${String(byteOffset(source, i))}, ${expected}`)
      }
      if (last.entity && text.length > last.offset)
        entities.push({ ...last.entity, offset: last.offset, length: text.length - last.offset } as MessageEntity)
    } else {
      const nameMatch = /^([a-zA-Z][a-zA-Z0-9-]*)([\s\S]*)$/.exec(inner)
      if (!nameMatch?.[1])
        throw cantParse(`Unsupported start tag "${inner}" at byte offset ${String(byteOffset(source, i))}`)
      const name = nameMatch[1].toLowerCase()
      open.push({ name, offset: text.length, entity: openTag(name, nameMatch[2] ?? '', i, source) })
    }
    i = end + 1
  }
  const unclosed = open.pop()
  if (unclosed) throw cantParse(`Can't find end tag corresponding to start tag "${unclosed.name}"`)
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length)
  return { text, entities }
}

const COMMAND = /(^|[\s])(\/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?)(?=$|[\s.,!?;:])/g

/** The `bot_command` entities Telegram marks in text a user writes. */
export function commandEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = []
  for (const match of text.matchAll(COMMAND)) {
    const prefix = match[1] ?? ''
    const command = match[2] ?? ''
    entities.push({ type: 'bot_command', offset: match.index + prefix.length, length: command.length })
  }
  return entities
}
