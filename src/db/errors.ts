/**
 * A write refused because another connection held the database's write lock for longer than the
 * store waits (a backup, another process, an admin's shell): nothing of it was written, and it may
 * be sent again later. The site answers it with 503 and `Retry-After`.
 */
export class StoreBusyError extends Error {
  override readonly name = 'StoreBusyError'
  constructor(
    /** How long the write waited, in ms. */
    readonly waitedMs: number,
  ) {
    super(`the database stayed locked by another connection for ${String(waitedMs)} ms`)
  }
}
