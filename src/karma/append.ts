import type { Store } from '../db/store.js'
import { type KarmaAppendResult, KarmaError, type KarmaSource, type ValidKarmaEvent } from './events.js'
import { parseKarmaEvent } from './schema.js'

/** Who asks for karma events to be appended, and from where. */
export interface KarmaOrigin {
  readonly source: KarmaSource
  /** Who asked: `admin:<telegram id>`, an API key's name … */
  readonly actor: string
}

/**
 * Checks each of `events` (fields `member`, `delta`, `reason`, `idempotencyKey`) against the one
 * schema, in order, then appends them all or nothing. Throws {@link KarmaError}: the first event
 * that is invalid (with its `index`) before anything is looked up, else the ledger's first refusal.
 */
export async function appendKarmaEvents(
  store: Pick<Store, 'karma'>,
  origin: KarmaOrigin,
  events: readonly unknown[],
): Promise<KarmaAppendResult[]> {
  const valid: ValidKarmaEvent[] = []
  for (const [index, fields] of events.entries()) {
    try {
      valid.push(parseKarmaEvent(fields, origin.source, origin.actor))
    } catch (err) {
      if (err instanceof KarmaError) err.index = index
      throw err
    }
  }
  return store.karma.appendBatch(valid)
}

/** {@link appendKarmaEvents} for one event, which is then not a batch: a refusal has no index. */
export async function appendKarmaEvent(
  store: Pick<Store, 'karma'>,
  origin: KarmaOrigin,
  fields: unknown,
): Promise<KarmaAppendResult> {
  return store.karma.append(parseKarmaEvent(fields, origin.source, origin.actor))
}
