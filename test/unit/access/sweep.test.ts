import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startReconcileSweep } from '../../../src/access/sweep.js'
import type { ReconcileReport } from '../../../src/db/reconcile.js'
import { LogCapture } from '../../support/site.js'
import { fakeStore } from '../fakes.js'

const START = 1_700_000_000_000
const NOTHING: ReconcileReport = { chatsToCreate: 0, invitesQueued: 0, removalsQueued: 0, withdrawn: 0 }

beforeEach(() => {
  vi.useFakeTimers({ now: START })
})
afterEach(() => {
  vi.useRealTimers()
})

/** A sweep over a reconcile answering `reports` in turn (an Error is thrown), with its log and pokes. */
function sweepOver(reports: (ReconcileReport | Error)[]) {
  const { store, calls } = fakeStore({
    reconcile: {
      run: () => {
        const next = reports.shift() ?? NOTHING
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next)
      },
    },
  })
  const logs = new LogCapture()
  const pokes: number[] = []
  const stop = startReconcileSweep(store, pino({ level: 'info' }, logs), 60, () => pokes.push(Date.now()))
  const lines = () => logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  return { calls, stop, pokes, lines }
}

describe('startReconcileSweep', () => {
  it('reconciles everything at once, then every intervalSeconds, until stopped', async () => {
    const { calls, stop } = sweepOver([])
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toEqual([['reconcile.run', { kind: 'all' }, START]])
    await vi.advanceTimersByTimeAsync(59_999)
    expect(calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls).toEqual([
      ['reconcile.run', { kind: 'all' }, START],
      ['reconcile.run', { kind: 'all' }, START + 60_000],
      ['reconcile.run', { kind: 'all' }, START + 120_000],
    ])
    stop()
    await vi.advanceTimersByTimeAsync(600_000)
    expect(calls).toHaveLength(3)
  })

  it('says what it queued and pokes the runner only when there is work', async () => {
    const queued = { chatsToCreate: 1, invitesQueued: 2, removalsQueued: 0, withdrawn: 0 }
    const { pokes, lines, stop } = sweepOver([NOTHING, queued])
    await vi.advanceTimersByTimeAsync(0)
    expect(pokes).toEqual([])
    expect(lines()).toEqual([])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(pokes).toEqual([START + 60_000])
    expect(lines()).toEqual([expect.objectContaining({ level: 30, msg: 'reconcile sweep queued work', ...queued })])
    stop()
  })

  it('logs a failed reconcile and keeps sweeping', async () => {
    const { calls, pokes, lines, stop } = sweepOver([new Error('database is locked')])
    await vi.advanceTimersByTimeAsync(0)
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'reconcile sweep failed',
        err: expect.objectContaining({ message: 'database is locked' }) as unknown,
      }),
    ])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls).toHaveLength(2)
    expect(pokes).toEqual([])
    stop()
  })
})
