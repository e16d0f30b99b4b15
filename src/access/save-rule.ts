import { auditEntry } from '../audit.js'
import type { Rule, RuleInput } from './rules.js'
import type { Store } from '../db/store.js'
import type { ReconcileReport } from '../db/reconcile.js'

/** Parameters of {@link saveRule}. */
export interface SaveRuleParams {
  /** The rule to change; absent to create one. */
  readonly ruleId?: number
  readonly rule: RuleInput
  /** Who asked, for the audit log (e.g. `admin:12345`). */
  readonly actor: string
  /** ms since the epoch. */
  readonly now: number
}

/**
 * Creates or edits a rule, records it in the audit log, and reconciles its chat (and the chat
 * it moved away from), so eligible members are invited and the ones out of it removed. A rule
 * whose direct add has just turned on also queues the worker's add for members already invited
 * with only the link (`directAddsQueued`).
 * Throws `RuleError` for invalid numbers or an unknown group or chat. Resolves to undefined
 * when `ruleId` does not exist.
 */
export async function saveRule(
  store: Store,
  params: SaveRuleParams,
): Promise<{ rule: Rule; report: ReconcileReport; directAddsQueued: number } | undefined> {
  const before = params.ruleId === undefined ? undefined : await store.rules.findById(params.ruleId)
  if (params.ruleId !== undefined && !before) return undefined
  const rule =
    params.ruleId === undefined
      ? await store.rules.create(params.rule, params.now)
      : await store.rules.update(params.ruleId, params.rule, params.now)
  if (!rule) return undefined
  await store.audit.record(
    auditEntry(params.now, params.actor, {
      action: before ? 'rule.update' : 'rule.create',
      before: before ?? null,
      after: rule,
    }),
  )
  const report = await store.reconcile.run({ kind: 'chat', chatId: rule.chatId }, params.now)
  if (before && before.chatId !== rule.chatId)
    await store.reconcile.run({ kind: 'chat', chatId: before.chatId }, params.now)
  // Direct add just turned on: members already waiting with only the link get the add too.
  const wasDirect = before?.directAdd === true && before.enabled && before.chatId === rule.chatId
  const directAddsQueued =
    rule.directAdd && rule.enabled && !wasDirect ? await store.memberships.queueDirectAdds(rule.chatId, params.now) : 0
  return { rule, report, directAddsQueued }
}
