// Small SVG line charts: time on x, one line per RTP direction, values as the record holds them.
import { h, s } from './dom.js';

export interface Line {
  readonly label: string;
  /** CSS class of the line: c2c (customer → carrier, solid) or k2c (carrier → customer, dashed). */
  readonly cls: string;
  readonly points: readonly (readonly [x: number, y: number])[];
}

const W = 420;
const H = 220;
const PAD = { left: 44, right: 10, top: 10, bottom: 34 };

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten. */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k` : String(Math.round(v * 100) / 100);
}

export function lineChart(title: string, unit: string, lines: readonly Line[], xLabel = 'seconds'): HTMLElement {
  const all = lines.flatMap((l) => l.points);
  // Time runs to the last sample (a rounded-up axis would leave most of a short call's chart empty).
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const yMax = niceMax(Math.max(0, ...all.map((p) => p[1])));
  const x = (v: number) => PAD.left + (v / xMax) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  const summary = lines.map((l) => {
    const last = l.points.at(-1);
    const peak = Math.max(0, ...l.points.map((p) => p[1]));
    return `${l.label}: ${l.points.length} samples, last ${last ? fmt(last[1]) : '—'} ${unit}, highest ${fmt(peak)} ${unit}`;
  }).join('; ');
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${title}. ${summary}` },
    [0, 0.25, 0.5, 0.75, 1].map((f) => [
      s('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: y(f * yMax), y2: y(f * yMax) }),
      s('text', { x: PAD.left - 6, y: y(f * yMax) + 4, 'text-anchor': 'end' }, fmt(f * yMax)),
      s('text', { x: x(f * xMax), y: H - PAD.bottom + 16, 'text-anchor': 'middle' }, (f * xMax).toFixed(xMax < 10 ? 1 : 0)),
    ]),
    s('line', { class: 'axis', x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: H - PAD.bottom }),
    s('line', { class: 'axis', x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom }),
    s('text', { x: W - PAD.right, y: H - 2, 'text-anchor': 'end' }, xLabel),
    lines.map((l) => l.points.length === 1
      ? s('circle', { class: l.cls, 'data-direction': l.cls, 'data-points': 1, cx: x(l.points[0][0]), cy: y(l.points[0][1]), r: 4 })
      : s('polyline', { class: l.cls, 'data-direction': l.cls, 'data-points': l.points.length, points: l.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ') })));
  return h('figure', { class: 'chart' }, h('figcaption', {}, `${title} (${unit})`), svg);
}

export function legend(lines: readonly Pick<Line, 'label' | 'cls'>[]): HTMLElement {
  return h('p', { class: 'legend' }, lines.map((l) => h('span', {}, h('span', { class: `sw ${l.cls}`, 'aria-hidden': 'true' }), l.label)));
}
