import { auditEntry } from '../audit.js'
import type { Store } from '../db/store.js'

/** A group slug that does not exist. */
export class UnknownGroupError extends Error {
  override readonly name = 'UnknownGroupError'
  constructor(readonly slug: string) {
    super(`There is no group "${slug}".`)
  }
}

/**
 * Sets a member's groups to exactly `slugs`, records it, and reconciles the member (a group
 * may open or close chats). Throws {@link UnknownGroupError} before changing anything.
 */
export async function setMemberGroups(
  store: Store,
  params: { memberId: number; slugs: readonly string[]; actor: string; now: number },
): Promise<string[]> {
  const all = await store.groups.list()
  const bySlug = new Map(all.map((g) => [g.slug, g]))
  const unique = [...new Set(params.slugs)]
  const ids = unique.map((slug) => {
    const group = bySlug.get(slug)
    if (!group) throw new UnknownGroupError(slug)
    return group.id
  })
  const before = (await store.groups.ofMember(params.memberId)).map((g) => g.slug)
  await store.groups.setMemberGroups(params.memberId, ids)
  await store.audit.record(
    auditEntry(params.now, params.actor, {
      action: 'member.groups',
      memberId: params.memberId,
      before,
      after: unique.sort(),
    }),
  )
  await store.reconcile.run({ kind: 'members', memberIds: [params.memberId] }, params.now)
  return unique
}
