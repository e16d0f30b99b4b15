import type { KarmaRange } from '../../db/admin-stats.js'

/** Equal-width buckets covering every member's karma and every rule's line. */
export interface KarmaScale {
  /** Karma at the left edge of the first bucket; a multiple of `width`. */
  readonly origin: number
  /** Karma per bucket: 1, 2 or 5 times a power of ten. */
  readonly width: number
  readonly bucketCount: number
}

/** About how many bars the histogram draws. @default 40 */
export const DEFAULT_BUCKETS = 40

/** The smallest of 1, 2, 5, 10, 20, 50 … that is at least `x` (and at least 1). */
export function niceWidth(x: number): number {
  if (!(x > 1)) return 1
  const power = 10 ** Math.floor(Math.log10(x))
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= x) return step * power
  }
  return 10 * power
}

/**
 * Chooses buckets for the karma histogram: round widths so the axis reads well, a range wide
 * enough that each rule's line falls on the chart. Undefined when there are no members.
 */
export function karmaScale(
  range: KarmaRange,
  marks: readonly number[],
  target = DEFAULT_BUCKETS,
): KarmaScale | undefined {
  if (range.lowest === null || range.highest === null) return undefined
  const low = Math.min(range.lowest, ...marks)
  const high = Math.max(range.highest, ...marks)
  const width = niceWidth((high - low + 1) / target)
  const origin = Math.floor(low / width) * width
  return { origin, width, bucketCount: Math.floor((high - origin) / width) + 1 }
}
