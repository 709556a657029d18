/** Small dependency-free SVG charts for the benchmark report. */

export interface Series {
  name: string
  points: readonly (readonly [number, number])[]
}

const WIDTH = 640
const HEIGHT = 360
const MARGIN = { top: 36, right: 150, bottom: 48, left: 64 }
const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2']

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Round numbers for axis ticks: 1, 2 or 5 times a power of ten. */
function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0]
  const raw = max / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw) ?? raw
  const result: number[] = []
  for (let value = 0; value <= max + step / 2; value += step)
    result.push(Number(value.toPrecision(6)))
  return result
}

function frame(title: string, xLabel: string, yLabel: string, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escape(title)}</text>`,
    `<text x="${MARGIN.left + (WIDTH - MARGIN.left - MARGIN.right) / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + (HEIGHT - MARGIN.top - MARGIN.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n')
}

/** Lines of `series` on shared axes, with an optional dashed horizontal goal. */
export function lineChart(options: {
  title: string
  xLabel: string
  yLabel: string
  series: readonly Series[]
  goal?: { value: number; label: string }
}): string {
  const { series, goal } = options
  const xs = series.flatMap((s) => s.points.map(([x]) => x))
  const ys = series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite)
  const xTicks = ticks(Math.max(1, ...xs))
  const yTicks = ticks(Math.max(1, goal?.value ?? 0, ...ys) * 1.05)
  const xMax = xTicks.at(-1)!
  const yMax = yTicks.at(-1)!
  const plotW = WIDTH - MARGIN.left - MARGIN.right
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom
  const px = (x: number) => MARGIN.left + (x / xMax) * plotW
  const py = (y: number) => MARGIN.top + plotH - (Math.min(y, yMax) / yMax) * plotH
  const parts: string[] = []
  for (const y of yTicks) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e7eb"/>`,
      `<text x="${MARGIN.left - 6}" y="${py(y) + 4}" text-anchor="end">${y}</text>`,
    )
  }
  for (const x of xTicks) {
    parts.push(`<text x="${px(x)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${x}</text>`)
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#111"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#111"/>`,
  )
  if (goal) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${py(goal.value)}" y2="${py(goal.value)}" stroke="#111" stroke-dasharray="6 4"/>`,
      `<text x="${MARGIN.left + plotW + 6}" y="${py(goal.value) + 4}">${escape(goal.label)}</text>`,
    )
  }
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!
    const finite = s.points.filter(([, y]) => Number.isFinite(y))
    const path = finite.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x)} ${py(y)}`).join(' ')
    parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`)
    for (const [x, y] of finite) {
      parts.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3" fill="${colour}"/>`)
    }
    const legendY = MARGIN.top + 20 + i * 18
    parts.push(
      `<rect x="${MARGIN.left + plotW + 6}" y="${legendY - 9}" width="10" height="10" fill="${colour}"/>`,
      `<text x="${MARGIN.left + plotW + 20}" y="${legendY}">${escape(s.name)}</text>`,
    )
  })
  return frame(options.title, options.xLabel, options.yLabel, parts.join('\n'))
}

/** Horizontal bars, one per entry, with its value written at its end. */
export function barChart(options: {
  title: string
  xLabel: string
  bars: readonly { label: string; value: number }[]
}): string {
  const { bars } = options
  const xTicks = ticks(Math.max(1, ...bars.map((bar) => bar.value)) * 1.1)
  const xMax = xTicks.at(-1)!
  const left = 200
  const plotW = WIDTH - left - 40
  const rowH = Math.min(40, (HEIGHT - MARGIN.top - MARGIN.bottom) / Math.max(1, bars.length))
  const parts = bars.map((bar, i) => {
    const y = MARGIN.top + i * rowH
    const w = (bar.value / xMax) * plotW
    return [
      `<text x="${left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${escape(bar.label)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${COLOURS[i % COLOURS.length]}"/>`,
      `<text x="${left + w + 4}" y="${y + rowH / 2 + 4}">${Math.round(bar.value)}</text>`,
    ].join('\n')
  })
  return frame(options.title, options.xLabel, '', parts.join('\n'))
}
