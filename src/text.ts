/**
 * What karmagate accepts as text from anyone (the API, admins, the bot's conversations, the
 * configuration), checked in one place: no control characters (tab and line breaks only where a
 * text may have several lines), no lone UTF-16 surrogates (they cannot be stored or sent as
 * UTF-8), and something left once spaces are trimmed.
 */

/** How a text may look beyond the rules every text follows. */
export interface TextShape {
  /** Tabs and line breaks allowed (a description, a reason typed in a text box). @default false */
  readonly multiline?: boolean
  /** Only spaces (or nothing) is fine here: another check says what is required. @default false */
  readonly allowBlank?: boolean
}

// C0 controls and DEL; tab (09), line feed (0A) and carriage return (0D) are handled apart.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/
const LINE_BREAK_OR_TAB = /[\t\n\r]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * What is wrong with `value` as a text, in words that follow the field's name (`must not contain
 * control characters`), or undefined when nothing is.
 */
export function textProblem(value: string, shape: TextShape = {}): string | undefined {
  if (CONTROL.test(value)) return 'must not contain control characters'
  if (shape.multiline !== true && LINE_BREAK_OR_TAB.test(value)) {
    return 'must not contain control characters (tabs or line breaks)'
  }
  if (LONE_SURROGATE.test(value)) return 'must be valid text (it has a broken character)'
  if (shape.allowBlank !== true && value.trim() === '') return 'must not be empty'
  return undefined
}

/** Whether `value` is an acceptable text of that shape (see {@link textProblem}). */
export function isText(value: string, shape: TextShape = {}): boolean {
  return textProblem(value, shape) === undefined
}
