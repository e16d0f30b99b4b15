/**
 * The measured side of `bench/reconcile.ts`, run in a fresh child process so that its peak
 * memory (`process.resourceUsage().maxRSS`) is the rule change's alone, not the fill's.
 *
 * Usage (by `reconcile.ts`, via `child_process.fork`): `reconcile-child.ts <dbPath> <ruleId>
 * <chatId> <minKarma>`. Opens the store as the site does (`openStore`), then changes the rule
 * through `saveRule` (which reconciles the chat in one transaction) and reports the time and
 * memory over IPC as a {@link ReconcileChildReport}.
 */
import { saveRule } from '../src/access/save-rule.js'
import { openStore } from '../src/db/store.js'
import type { ReconcileChildReport } from './reconcile-common.js'

async function main(): Promise<void> {
  if (process.send === undefined)
    throw new Error('reconcile-child.ts is started by bench/reconcile.ts (needs an IPC channel)')
  const [dbPath, ruleIdRaw, chatIdRaw, minKarmaRaw] = process.argv.slice(2)
  if (dbPath === undefined || ruleIdRaw === undefined || chatIdRaw === undefined || minKarmaRaw === undefined) {
    throw new Error('usage: reconcile-child.ts <dbPath> <ruleId> <chatId> <minKarma>')
  }
  const { store } = await openStore({ databasePath: dbPath })
  try {
    // Let startup garbage settle, so "before" is the process at rest with the store open.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const rssBefore = process.memoryUsage.rss()
    const maxRssBefore = process.resourceUsage().maxRSS * 1024
    const cpuBefore = process.cpuUsage()
    const start = process.hrtime.bigint()
    const saved = await saveRule(store, {
      ruleId: Number(ruleIdRaw),
      rule: { groupId: null, chatId: Number(chatIdRaw), minKarma: Number(minKarmaRaw), removeBelow: null },
      actor: 'bench:reconcile',
      now: Date.now(),
    })
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6
    const cpu = process.cpuUsage(cpuBefore)
    const rssAfter = process.memoryUsage.rss()
    const maxRssAfter = process.resourceUsage().maxRSS * 1024
    if (!saved) throw new Error(`rule ${ruleIdRaw} does not exist`)
    const report: ReconcileChildReport = {
      type: 'reconcile-report',
      wallMs,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      rssBefore,
      rssAfter,
      maxRssBefore,
      maxRssAfter,
      invitesQueued: saved.report.invitesQueued,
      removalsQueued: saved.report.removalsQueued,
      withdrawn: saved.report.withdrawn,
    }
    process.send(report)
  } finally {
    await store.close()
  }
  process.disconnect()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
