// Health: the store (/healthz) and the edge's and relay's counters (/metrics) in words.
import { fetchRaw } from '../api.js';
import type { Page } from '../app.js';
import { clear, errorBox, h, statusLine } from '../dom.js';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Metrics {
  readonly samples: readonly Sample[];
  /** `# HELP name text`: what each metric means, in the words the server gives it. */
  readonly help: ReadonlyMap<string, string>;
}

/** Prometheus text exposition format 0.0.4: `# HELP` lines and `name{l="v",…} value` samples. */
export function parseMetrics(text: string): Metrics {
  const samples: Sample[] = [];
  const help = new Map<string, string>();
  for (const line of text.split('\n')) {
    const hm = /^# HELP (\S+) (.*)$/.exec(line);
    // HELP escapes only \\ and \n (text format 0.0.4); one pass so "\\n" stays a backslash and an n.
    if (hm) help.set(hm[1], hm[2].replace(/\\([n\\])/g, (_m, c: string) => (c === 'n' ? ' ' : '\\')));
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return { samples, help };
}

function total(m: Metrics, name: string): number | undefined {
  const hits = m.samples.filter((x) => x.name === name);
  return hits.length ? hits.reduce((a, x) => a + x.value, 0) : undefined;
}

function n(v: number | undefined): string {
  return v === undefined ? 'none yet' : Number.isInteger(v) ? v.toLocaleString('en') : v.toFixed(3);
}

/** Sums of `name` grouped by one label ("by final code: 200 → 3, 486 → 1"). */
function byLabel(m: Metrics, name: string, label: string): [string, number][] {
  const out = new Map<string, number>();
  for (const x of m.samples) if (x.name === name && x.labels[label] !== undefined) out.set(x.labels[label], (out.get(x.labels[label]) ?? 0) + x.value);
  return [...out.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

/** One card per part; each metric as its HELP text and its value (histograms by their count and sum). */
function part(m: Metrics, title: string, prefix: string, lead: HTMLElement): HTMLElement {
  const names = [...m.help.keys()].filter((x) => x.startsWith(prefix));
  return h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), lead,
    names.length ? h('ul', {}, names.map((name) => {
      const count = total(m, `${name}_count`);
      if (count !== undefined) {
        const sumV = total(m, `${name}_sum`) ?? 0;
        const unit = name.endsWith('_seconds') ? ' s' : '';
        return h('li', {}, `${m.help.get(name)}: `, h('strong', {}, count ? `${n(sumV / count)}${unit} on average` : 'none yet'), ` over ${n(count)}`);
      }
      const codes = name.endsWith('calls_total') ? byLabel(m, name, 'code') : [];
      return h('li', {}, `${m.help.get(name)}: `, h('strong', {}, n(total(m, name))),
        codes.length ? h('span', {}, ' — by final code: ', codes.map(([c, v], i) => `${i ? ', ' : ''}${c === '0' ? 'none' : c} → ${n(v)}`).join('')) : null);
    })) : h('p', {}, 'This part reports nothing on this server.'));
}

function sections(m: Metrics): HTMLElement[] {
  const active = total(m, 'trunkline_edge_active_calls');
  const relayed = total(m, 'trunkline_media_packets_relayed_total');
  return [
    part(m, 'Edge (SIP calls)', 'trunkline_edge_', h('p', { class: 'big' }, `${n(active ?? 0)} call${active === 1 ? '' : 's'} up now`)),
    part(m, 'Media relay (RTP)', 'trunkline_media_', h('p', { class: 'big' }, `${n(relayed ?? 0)} packets relayed`)),
  ];
}

export const healthPage: Page = (main) => {
  const store = h('section', { class: 'card', 'aria-label': 'Store' }, h('h2', {}, 'API and store'), statusLine('Checking…'));
  const parts = h('div', { class: 'health-grid' }, store);
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  clear(main, h('h1', {}, 'Health'), h('p', {}, 'What the server says about itself now (/healthz and /metrics). ', refresh), parts);
  const load = async (): Promise<void> => {
    try {
      const res = await fetch('/healthz', { cache: 'no-store', credentials: 'omit' });
      const body = (await res.json()) as { status: string; reason?: string };
      clear(store, h('h2', {}, 'API and store'),
        res.ok ? h('p', { class: 'big' }, 'Up: the store answers') : errorBox(`Unavailable: ${body.reason ?? body.status}`),
        h('p', {}, `GET /healthz → HTTP ${res.status} ${body.status}`));
    } catch (err) {
      clear(store, h('h2', {}, 'API and store'), errorBox(`The API did not answer: ${(err as Error).message}`));
    }
    try {
      const res = await fetchRaw('/metrics');
      if (!res.ok) throw new Error(`GET /metrics → HTTP ${res.status}`);
      const samples = parseMetrics(await res.text());
      clear(parts, store, ...sections(samples));
    } catch (err) {
      clear(parts, store, errorBox((err as Error).message));
    }
  };
  refresh.addEventListener('click', () => void load());
  void load();
};
