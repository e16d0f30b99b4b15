import type { KarmaAppendResult } from '../../karma/events.js'
import type { Member } from '../../db/members.js'
import type { Store } from '../../db/store.js'
import type { KarmaEventResultJson, MemberJson } from './schemas/responses.js'

/** The last few {@link isoTime} answers: the events of a batch, and of a busy second, share one. */
const isoCache = new Map<number, string>()

/** A time as an ISO 8601 UTC timestamp, the API's one date format. */
export function isoTime(ms: number): string {
  let text = isoCache.get(ms)
  if (text === undefined) {
    text = new Date(ms).toISOString()
    if (isoCache.size >= 64) isoCache.clear()
    isoCache.set(ms, text)
  }
  return text
}

/** A ledger result as the API answers it; a replay gives the same body as the first time. */
export function karmaResultJson(result: KarmaAppendResult): KarmaEventResultJson {
  const { event, member } = result
  return {
    event: {
      id: event.id,
      delta: event.delta,
      reason: event.reason,
      source: event.source,
      actor: event.actor,
      idempotencyKey: event.idempotencyKey,
      karmaAfter: event.karmaAfter,
      createdAt: isoTime(event.createdAt),
    },
    member: { telegramId: member.telegramId, externalId: member.externalId, karma: member.karma },
  }
}

/** A member with their groups and chats. Our own row id stays inside karmagate. */
export async function memberJson(store: Store, member: Member): Promise<MemberJson> {
  const [groups, chats] = await Promise.all([store.groups.ofMember(member.id), store.memberships.openChats(member.id)])
  return {
    telegramId: member.telegramId,
    externalId: member.externalId,
    username: member.username,
    // A member created by external id has no name until Telegram tells it.
    firstName: member.firstName === '' ? null : member.firstName,
    lastName: member.lastName,
    karma: member.karma,
    groups: groups.map((g) => g.slug),
    chats: chats.map((c) => ({ title: c.title, state: c.state })),
  }
}
