/**
 * The ladder diagram of one call as inline SVG: a vertical lane per endpoint, one arrow per SIP
 * message (class "msg", so a test can count them), the time offset at the left. No script, no
 * external font: it renders the same in a browser, a mail client or a printed ticket.
 */
import type { CallReport } from '../report.js';
import { escapeHtml } from './escape.js';

const LANE = 220;
const LEFT = 90;
const TOP = 46;
const ROW = 30;

export function svgLadder(c: CallReport, id: string): string {
  const eps = c.endpoints;
  const width = LEFT + Math.max(1, eps.length) * LANE;
  const height = TOP + c.messages.length * ROW + 20;
  const x = (i: number): number => LEFT + i * LANE + LANE / 2;
  const out: string[] = [];
  out.push(
    `<svg class="ladder" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="SIP ladder of call ${escapeHtml(c.call_id)}">`,
    `<defs><marker id="${id}-head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1f3b57"/></marker>` +
      `<marker id="${id}-head-err" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b3261e"/></marker></defs>`,
  );
  eps.forEach((e, i) => {
    out.push(
      `<text class="lane-name" x="${x(i)}" y="18" text-anchor="middle">${escapeHtml(e)}</text>`,
      `<line class="lane" x1="${x(i)}" y1="${TOP - 16}" x2="${x(i)}" y2="${height - 6}" stroke="#9aa7b4" stroke-dasharray="4 4"/>`,
    );
  });
  c.messages.forEach((m, k) => {
    const y = TOP + k * ROW + 10;
    const a = eps.indexOf(m.src);
    const b = eps.indexOf(m.dst);
    const bad = (m.status ?? 0) >= 400;
    const colour = bad ? '#b3261e' : '#1f3b57';
    const label = `${m.label}${m.has_sdp ? ' (SDP)' : ''}`;
    out.push(`<g class="msg${bad ? ' msg-error' : ''}"><title>${escapeHtml(`${m.at} ${m.src} → ${m.dst} ${m.transport} ${label}`)}</title>`);
    out.push(`<text class="offset" x="6" y="${y + 4}">${(m.offset_ms / 1000).toFixed(3)}s</text>`);
    if (a === b) {
      // A message to itself (seen twice on one host): a small loop.
      out.push(
        `<path d="M${x(a)},${y - 6} h30 v12 h-30" fill="none" stroke="${colour}" stroke-width="1.5" marker-end="url(#${id}-head${bad ? '-err' : ''})"/>`,
        `<text x="${x(a) + 36}" y="${y + 4}" fill="${colour}">${escapeHtml(label)}</text>`,
      );
    } else {
      const x1 = x(a);
      const x2 = x(b);
      out.push(
        `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${colour}" stroke-width="1.5" marker-end="url(#${id}-head${bad ? '-err' : ''})"/>`,
        `<text x="${(x1 + x2) / 2}" y="${y - 5}" text-anchor="middle" fill="${colour}">${escapeHtml(label)}</text>`,
      );
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}
