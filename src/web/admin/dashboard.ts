import { Router } from 'express'
import type { KarmaRange } from '../../db/admin-stats.js'
import type { MembershipState } from '../../access/membership.js'
import type { Rule } from '../../access/rules.js'
import type { Store } from '../../db/store.js'
import type { SafeHtml } from '../views/html.js'
import { type RuleSummary, dashboardPage } from '../views/admin/dashboard.js'
import { karmaHistogram, type RuleMark } from '../views/admin/histogram.js'
import type { AdminContext } from './deps.js'
import { karmaScale } from './karma-scale.js'
import type { Render } from './render.js'

const NO_MEMBERS: Readonly<Record<MembershipState, number>> = { eligible: 0, invited: 0, member: 0, removed: 0 }

/** Each enabled rule's lines: where members get in and, if it removes, where they go out. */
function ruleMarks(rules: readonly Rule[]): RuleMark[] {
  return rules
    .filter((r) => r.enabled)
    .flatMap((r): RuleMark[] => [
      { ruleId: r.id, kind: 'min', karma: r.minKarma },
      ...(r.removeBelow === null ? [] : [{ ruleId: r.id, kind: 'remove' as const, karma: r.removeBelow }]),
    ])
}

/** The histogram for the current members, bucketed in SQL; undefined while there are none. */
async function histogram(store: Store, range: KarmaRange, marks: readonly RuleMark[]): Promise<SafeHtml | undefined> {
  const scale = karmaScale(
    range,
    marks.map((m) => m.karma),
  )
  if (!scale) return undefined
  const buckets = await store.adminStats.karmaBuckets(scale.origin, scale.width, scale.bucketCount)
  return karmaHistogram(buckets, marks)
}

/** `GET /admin`: the dashboard. */
export function dashboardRoutes(context: AdminContext, render: Render): Router {
  const { store } = context
  const router = Router()

  router.get('/', async (req, res) => {
    const now = context.clock()
    const [range, rules, groups, chats, counts, jobs, worker, canary, holds] = await Promise.all([
      store.adminStats.karmaRange(),
      store.rules.list(),
      store.groups.list(),
      store.chats.list(),
      store.memberships.countsByChat(),
      store.jobs.counts(),
      store.workerState.read(),
      store.canary.last(),
      store.holds.active(now),
    ])
    const byChat = new Map<number, Record<MembershipState, number>>()
    for (const c of counts) {
      const row = byChat.get(c.chatId) ?? { ...NO_MEMBERS }
      row[c.state] = c.count
      byChat.set(c.chatId, row)
    }
    const summaries: RuleSummary[] = rules.map((rule) => ({
      rule,
      groupName: groups.find((g) => g.id === rule.groupId)?.name,
      chatTitle: chats.find((c) => c.id === rule.chatId)?.title ?? `chat ${String(rule.chatId)}`,
      counts: byChat.get(rule.chatId) ?? NO_MEMBERS,
    }))
    const chart = await histogram(store, range, ruleMarks(rules))
    render(req, res, (frame) =>
      dashboardPage(frame, {
        members: range.members,
        rules: summaries,
        jobs,
        chats,
        histogram: chart,
        worker,
        canary,
        holds,
        now,
      }),
    )
  })

  return router
}
