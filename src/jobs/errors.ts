/** Thrown by a handler for work that can never succeed (no retry; the job is dead at once). */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError'
}
