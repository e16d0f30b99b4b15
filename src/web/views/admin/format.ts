/** A time as `2030-01-01 12:00:00 UTC`, or an em dash for none. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '—'
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? '—' : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** A signed number as a karma change is written: `+10`, `-2`. */
export function formatDelta(delta: number): string {
  return delta > 0 ? `+${String(delta)}` : String(delta)
}

/** A value or an em dash when it is missing. */
export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '—' : String(value)
}

/** An http(s) URL we may link to, or undefined (a `javascript:` link is never rendered as one). */
export function safeHttpUrl(url: string | null): string | undefined {
  if (url === null) return undefined
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined
  } catch {
    return undefined
  }
}
