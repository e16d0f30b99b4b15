import type { z } from 'zod'
import { ApiError } from './errors.js'

/** `['events', 3, 'member', 'telegramId']` → `events[3].member.telegramId`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${String(part)}]`
    else out += out === '' ? String(part) : `.${String(part)}`
  }
  return out
}

/** The first problem zod found, as a 400 naming the field (and, in a batch, the event's index). */
function invalid(issue: z.core.$ZodIssue, root: string): ApiError {
  const path = root === '' ? issue.path : [root, ...issue.path]
  const events = path[0] === 'events' && typeof path[1] === 'number' ? path[1] : undefined
  if (issue.code === 'unrecognized_keys') {
    const field = fieldPath([...path, issue.keys[0] ?? ''])
    return new ApiError(400, 'invalid', `${field} is not a field of this request.`, { field, index: events })
  }
  const field = fieldPath(path)
  if (field === '') return new ApiError(400, 'invalid', `The body ${issue.message}.`)
  return new ApiError(400, 'invalid', `${field} ${issue.message}.`, { field, index: events })
}

/**
 * Parses `input` with `schema`, or throws a 400 {@link ApiError} for the first problem. `root`
 * names what is parsed when it is not the body (a path parameter such as `telegramId`).
 */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const [issue] = result.error.issues
  if (!issue) throw new ApiError(400, 'invalid', 'The request is not valid.')
  throw invalid(issue, root)
}
