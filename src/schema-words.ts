import type { z } from 'zod'
import { textProblem, type TextShape } from './text.js'

/**
 * The words every zod schema of karmagate uses for what it refuses, so the API, admins and the
 * bot read the same sentences: `<field> is required`, `<field> must be a JSON object`, and the
 * one text check's words.
 */

/** An error message that says `is required` when the field is missing, else `text`. */
export const says =
  (text: string): z.core.$ZodErrorMap =>
  (issue) =>
    issue.input === undefined ? 'is required' : text

/** For objects: a clear word for a wrong type; zod's own message for everything else. */
export const mustBeObject: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' ? (issue.input === undefined ? 'is required' : 'must be a JSON object') : undefined

/** A refinement adding the one text check (`src/text.ts`) to a string schema, with its words. */
export const textIssues =
  (shape: TextShape) =>
  (value: string, ctx: z.core.$RefinementCtx<string>): void => {
    const problem = textProblem(value, shape)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: value })
  }
