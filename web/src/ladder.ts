// The SIP ladder of a call as SVG: three lanes (customer, edge, carrier), one arrow per traced
// message; each arrow is a button that opens the whole message.
import { h, s } from './dom.js';
import type { TraceMessage } from './types.js';

const LANES = ['customer', 'edge', 'carrier'] as const;
const LANE_X = [110, 400, 690];
const TOP = 64;
const ROW = 34;
const WIDTH = 800;

/** Which lanes a message goes between: the leg names the far party, direction the way it went. */
function ends(m: TraceMessage): [number, number] {
  const far = m.leg === 'customer' ? 0 : 2;
  return m.direction === 'in' ? [far, 1] : [1, far];
}

const LANE_NAMES = ['Customer (PBX)', 'trunkline edge', 'Carrier'];

/** The address of a far party as the trace saw it (none for the edge itself). */
function laneAddress(trace: readonly TraceMessage[], lane: number): string {
  if (lane === 1) return '';
  const m = trace.find((t) => t.leg === LANES[lane]);
  return m ? (m.direction === 'in' ? m.src : m.dst) : '';
}

function statusOf(summary: string): number | undefined {
  const m = /^SIP\/2\.0 (\d{3})/.exec(summary);
  return m ? Number(m[1]) : undefined;
}

export function ladder(trace: readonly TraceMessage[], open: (m: TraceMessage) => void): SVGSVGElement {
  const height = TOP + trace.length * ROW + 16;
  const t0 = trace.length ? Date.parse(trace[0].at) : 0;
  const svg = s('svg', { class: 'ladder', viewBox: `0 0 ${WIDTH} ${height}`, role: 'group', 'aria-label': `SIP ladder: ${trace.length} messages; each arrow opens the message` },
    s('defs', {},
      ...['ok', 'resp', 'fail'].map((k) => s('marker', { id: `head-${k}`, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 5, markerHeight: 5, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: k === 'fail' ? '#b00020' : k === 'resp' ? '#1a6b32' : '#0b5cad' })))),
    LANES.map((_l, i) => [
      s('text', { class: 'party', x: LANE_X[i], y: 20, 'text-anchor': 'middle' }, LANE_NAMES[i]),
      s('text', { class: 'time', x: LANE_X[i], y: 36, 'text-anchor': 'middle' }, laneAddress(trace, i)),
      s('line', { class: 'life', x1: LANE_X[i], y1: 44, x2: LANE_X[i], y2: height - 4 }),
    ]));
  trace.forEach((m, k) => {
    const y = TOP + k * ROW;
    const [a, b] = ends(m);
    const code = statusOf(m.summary);
    const kind = code === undefined ? 'req' : code >= 300 ? 'fail' : 'resp';
    const label = m.summary.replace(/^SIP\/2\.0 /, '').replace(/ SIP\/2\.0$/, '').replace(/^(\w+) sips?:[^ ]*$/, '$1');
    const offset = ((Date.parse(m.at) - t0) / 1000).toFixed(3);
    const from = LANES[a];
    const to = LANES[b];
    const g = s('g', {
      class: `msg ${kind}`, tabindex: 0, role: 'button', 'data-index': k,
      'aria-label': `+${offset} s, ${from} to ${to}: ${m.summary}. Open the message`,
    },
    s('title', {}, `${m.at} ${m.src} → ${m.dst} (${m.transport})`),
    s('rect', { class: 'hit', x: 0, y: y - 18, width: WIDTH, height: ROW - 2 }),
    s('text', { class: 'time', x: 4, y: y + 4 }, `+${offset}s`),
    s('line', { x1: LANE_X[a], y1: y, x2: LANE_X[b], y2: y, 'marker-end': `url(#head-${kind === 'req' ? 'ok' : kind})` }),
    s('text', { x: (LANE_X[a] + LANE_X[b]) / 2, y: y - 6, 'text-anchor': 'middle' }, label.length > 38 ? `${label.slice(0, 37)}…` : label));
    g.addEventListener('click', () => open(m));
    g.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        open(m);
      }
    });
    svg.append(g);
  });
  return svg;
}

/** The whole message in a modal dialog (Escape or the button closes it; focus returns to the arrow). */
export function messageDialog(): { dialog: HTMLDialogElement; show(m: TraceMessage): void } {
  const title = h('h2', { id: 'sip-dialog-title' });
  const pre = h('pre', { tabindex: 0 });
  const close = h('button', { type: 'button', class: 'secondary small' }, 'Close');
  const dialog = h('dialog', { class: 'sip', 'aria-labelledby': 'sip-dialog-title' }, h('header', {}, title, close), pre);
  let back: Element | null = null;
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => (back as HTMLElement | SVGElement | null)?.focus());
  return {
    dialog,
    show(m) {
      back = document.activeElement;
      const queued = m.queued_ms ? ` (it arrived ${m.queued_ms} ms before: serve's receive queue)` : '';
      title.textContent = `${m.summary} — ${m.direction === 'in' ? 'received from' : 'sent to'} the ${m.leg} at ${m.at}${queued}`;
      pre.textContent = `${m.transport.toUpperCase()} ${m.src} → ${m.dst}\n\n${m.message.replace(/\r\n/g, '\n')}`;
      dialog.showModal();
      close.focus();
    },
  };
}
