import type { Request, RequestHandler } from 'express'
import { HttpError } from '../errors.js'
import type { FieldErrors } from '../views/admin/form.js'

/** A form field the admin must correct; `field` is the input's name, shown next to it. */
export class FormError extends Error {
  override readonly name = 'FormError'
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message)
  }
}

/** A refusal that names a field: ours ({@link FormError}) or a domain error with a `field`. */
export function fieldErrors(
  error: { readonly field?: string | undefined; readonly message: string },
  fallbackField: string,
): FieldErrors {
  return { [error.field ?? fallbackField]: error.message }
}

/** A parsed `application/x-www-form-urlencoded` body: repeated names become arrays. */
export type FormBody = Readonly<Record<string, string | readonly string[] | undefined>>

/** The request's form fields, or none when it had no form body. */
export function formBody(req: Request): FormBody {
  const body = req.body as unknown
  return typeof body === 'object' && body !== null ? (body as FormBody) : {}
}

/** One text field, trimmed; absent is ''. (Repeated fields never get here: see {@link singleValuedForms}.) */
export function textField(body: FormBody, name: string): string {
  const value = body[name]
  return (typeof value === 'string' ? value : (value?.[0] ?? '')).trim()
}

/**
 * Middleware: refuses (400) a form that sends a field twice, except the checkbox lists in
 * `lists`. No page of ours does that, and a handler would otherwise have to guess which value won.
 */
export function singleValuedForms(lists: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    const repeated = Object.entries(formBody(req)).find(
      ([name, value]) => typeof value !== 'string' && value !== undefined && !lists.includes(name),
    )
    next(repeated ? new HttpError(400, 'bad_form', `The field "${repeated[0]}" was sent more than once.`) : undefined)
  }
}

/** Every value of a repeated field, such as a group of checkboxes. */
export function listField(body: FormBody, name: string): string[] {
  const value = body[name]
  if (value === undefined) return []
  return typeof value === 'string' ? [value] : [...value]
}

const INTEGER = /^[+-]?\d{1,16}$/

/** A whole number typed by the admin, or undefined when it is not one (`+5`, `-2`, `10`). */
export function parseInteger(text: string): number | undefined {
  if (!INTEGER.test(text)) return undefined
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : undefined
}

const ID = /^[1-9]\d{0,14}$/

/** A positive id from a form or the query, or undefined. */
export function parseId(text: unknown): number | undefined {
  return typeof text === 'string' && ID.test(text) ? Number(text) : undefined
}

/** The `:id` of a path; anything but a positive integer names no page (404). */
export function pathId(req: Request, what: string): number {
  const id = parseId(req.params.id)
  if (id === undefined) throw new HttpError(404, 'not_found', `There is no such ${what}.`)
  return id
}

/** One query parameter as a string ('' when absent); a repeated one is a 400. */
export function queryText(req: Request, name: string): string {
  const value: unknown = (req.query as Record<string, unknown>)[name]
  if (value === undefined) return ''
  if (typeof value !== 'string')
    throw new HttpError(400, 'bad_query', `The parameter "${name}" was given more than once.`)
  return value.trim()
}
