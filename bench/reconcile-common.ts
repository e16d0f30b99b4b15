/** What `reconcile.ts` and its measured child process (`reconcile-child.ts`) agree on. */

/** What the child reports to `reconcile.ts`. */
export interface ReconcileChildReport {
  readonly type: 'reconcile-report'
  /** Wall time of `saveRule` (rule update, audit record, reconcile), ms. */
  readonly wallMs: number
  readonly cpuUserMs: number
  readonly cpuSystemMs: number
  /** RSS right before and right after the step, bytes. */
  readonly rssBefore: number
  readonly rssAfter: number
  /** The process's peak RSS before the step and at its end (`resourceUsage().maxRSS`), bytes. */
  readonly maxRssBefore: number
  readonly maxRssAfter: number
  readonly invitesQueued: number
  readonly removalsQueued: number
  readonly withdrawn: number
}

export function isReconcileChildReport(message: unknown): message is ReconcileChildReport {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'reconcile-report'
}
