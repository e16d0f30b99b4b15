/**
 * Time in karmagate's code is one unit: milliseconds since the Unix epoch, as `Date.now()` gives
 * it. Tables and Telegram count whole seconds; the conversions below are made where time is
 * stored or sent, and nowhere else (a lint rule refuses `/ 1000` and `* 1000` outside this file).
 */

/** The current time in ms since the epoch; injected so tests can move it. */
export type Clock = () => number

/** One second, in ms. */
export const SECOND = 1000
/** One minute, in ms. */
export const MINUTE = 60 * SECOND
/** One hour, in ms. */
export const HOUR = 60 * MINUTE
/** One day, in ms. */
export const DAY = 24 * HOUR

/** ms since the epoch → whole Unix seconds (rounded down), as tables and Telegram count them. */
export function toUnixSeconds(ms: number): number {
  return Math.floor(ms / SECOND)
}

/** Unix seconds (a stored time, Telegram's `date`) → ms since the epoch. */
export function fromUnixSeconds(seconds: number): number {
  return seconds * SECOND
}

/** A duration in seconds (a setting, Telegram's `retry_after`) → ms. */
export function secondsToMs(seconds: number): number {
  return seconds * SECOND
}

/** A duration in ms → whole seconds, rounded up (a `Retry-After` header must not say too little). */
export function msToWholeSeconds(ms: number): number {
  return Math.ceil(ms / SECOND)
}
