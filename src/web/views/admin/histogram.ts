import type { KarmaBuckets } from '../../../db/admin-stats.js'
import { html, type SafeHtml } from '../html.js'

/** A vertical line on the histogram: where a rule lets members in, or removes them. */
export interface RuleMark {
  readonly ruleId: number
  /** `min`: min_karma (in at or above); `remove`: remove_below (out below). */
  readonly kind: 'min' | 'remove'
  readonly karma: number
}

// The drawing's own coordinates; the stylesheet scales the SVG to the page's width.
const WIDTH = 800
const HEIGHT = 320
const LEFT = 64
const RIGHT = 16
/** Room above the bars for up to three rows of line labels. */
const TOP = 52
const BOTTOM = 44
const LABEL_ROWS = 3
const X_TICKS = 6

const plotWidth = WIDTH - LEFT - RIGHT
const plotHeight = HEIGHT - TOP - BOTTOM

/** Formats a coordinate with at most one decimal, so the markup stays small. */
const n = (value: number): string => String(Math.round(value * 10) / 10)

function markLabel(mark: RuleMark): string {
  return mark.kind === 'min'
    ? `#${String(mark.ruleId)} in ≥ ${String(mark.karma)}`
    : `#${String(mark.ruleId)} out < ${String(mark.karma)}`
}

/**
 * The karma histogram as inline SVG (allowed by the CSP, unlike inline styles: colours come
 * from classes in `admin.css`). Bar heights are logarithmic, because karma is usually piled up
 * near zero and a linear scale would hide every other bar; each bar's `<title>` gives its
 * exact count. Each rule adds a solid line at its minimum and a dashed one at its removal line.
 */
export function karmaHistogram(buckets: KarmaBuckets, marks: readonly RuleMark[]): SafeHtml {
  const { origin, width, counts } = buckets
  const barWidth = plotWidth / Math.max(1, counts.length)
  const karmaSpan = width * counts.length
  const x = (karma: number): number => LEFT + ((karma - origin) / karmaSpan) * plotWidth
  const most = Math.max(0, ...counts)
  const logMost = Math.log10(1 + most)
  const barHeight = (count: number): number => (logMost === 0 ? 0 : (Math.log10(1 + count) / logMost) * plotHeight)
  const baseline = TOP + plotHeight

  const bars = counts.map((count, i) => {
    const from = origin + i * width
    const h = barHeight(count)
    return html`<rect class="bar" x="${n(LEFT + i * barWidth + 1)}" y="${n(baseline - h)}" width="${n(Math.max(1, barWidth - 2))}" height="${n(h)}" data-from="${from}" data-count="${count}"><title>${from} to ${from + width - 1}: ${count} member${count === 1 ? '' : 's'}</title></rect>`
  })

  const tickEvery = Math.max(1, Math.ceil(counts.length / X_TICKS))
  const ticks = []
  for (let i = 0; i <= counts.length; i += tickEvery) {
    const tx = LEFT + i * barWidth
    ticks.push(
      html`<line class="tick" x1="${n(tx)}" y1="${n(baseline)}" x2="${n(tx)}" y2="${n(baseline + 5)}"/><text class="axis-label" x="${n(tx)}" y="${n(baseline + 18)}" text-anchor="middle">${origin + i * width}</text>`,
    )
  }

  const lines = marks.map((mark, i) => {
    const lx = x(mark.karma)
    const ly = TOP - 6 - (i % LABEL_ROWS) * 14
    const nearRightEdge = lx > WIDTH - RIGHT - 120
    return html`<g class="rule-mark rule-${mark.kind}" data-rule="${mark.ruleId}" data-kind="${mark.kind}" data-karma="${mark.karma}">
      <line x1="${n(lx)}" y1="${n(ly + 3)}" x2="${n(lx)}" y2="${n(baseline)}"${mark.kind === 'remove' ? html` stroke-dasharray="6 4"` : ''}/>
      <text x="${n(nearRightEdge ? lx - 4 : lx + 4)}" y="${n(ly)}" text-anchor="${nearRightEdge ? 'end' : 'start'}">${markLabel(mark)}</text>
    </g>`
  })

  return html`<svg id="karma-histogram" class="histogram" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="karma-histogram-title karma-histogram-desc" xmlns="http://www.w3.org/2000/svg">
  <title id="karma-histogram-title">Members by karma</title>
  <desc id="karma-histogram-desc">${counts.length} buckets of ${width} karma from ${origin}; bar heights on a logarithmic scale, up to ${most} members in one bucket.</desc>
  <line class="axis" x1="${LEFT}" y1="${baseline}" x2="${WIDTH - RIGHT}" y2="${baseline}"/>
  <line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${baseline}"/>
  <text class="axis-label" x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${most}</text>
  <text class="axis-label" x="${LEFT - 6}" y="${baseline}" text-anchor="end">0</text>
  <text class="axis-title" x="${LEFT + plotWidth / 2}" y="${HEIGHT - 6}" text-anchor="middle">karma</text>
  ${bars}
  ${ticks}
  ${lines}
</svg>`
}
