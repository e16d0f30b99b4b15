import { html, type SafeHtml } from '../html.js'

/** Messages by field name, shown next to the inputs they are about. */
export type FieldErrors = Readonly<Record<string, string>>

/** The hidden CSRF field every admin form carries. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`
}

/** The error for `field`, if any, as a paragraph the input points to with `aria-describedby`. */
export function fieldError(errors: FieldErrors, field: string): SafeHtml | '' {
  const message = errors[field]
  return message === undefined ? '' : html`<p class="field-error" id="${field}-error" role="alert">${message}</p>`
}

/** `aria-invalid` and `aria-describedby` for an input whose field has an error. */
export function invalidAttributes(errors: FieldErrors, field: string): SafeHtml | '' {
  return errors[field] === undefined ? '' : html` aria-invalid="true" aria-describedby="${field}-error"`
}

/** A confirmation after a successful change (chosen by our code, never from input). */
export function notice(message: string | undefined): SafeHtml | '' {
  return message === undefined ? '' : html`<p class="notice" role="status">${message}</p>`
}

/** An error about the whole page or form rather than one field. */
export function pageError(message: string | undefined): SafeHtml | '' {
  return message === undefined ? '' : html`<p class="page-error" role="alert">${message}</p>`
}
