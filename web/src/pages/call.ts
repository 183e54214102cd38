// One call: what happened (facts, findings with fault domain, checks and fix), how (the SIP
// ladder, the timeline) and the media (RTP per direction over time), with the pcap and the
// support bundle when the server has them.
import { accountPath, fetchRaw, getOne } from '../api.js';
import type { Page } from '../app.js';
import { legend, lineChart, type Line } from '../charts.js';
import { clear, errorBox, h, statusLine, time } from '../dom.js';
import { failureText } from '../form.js';
import { ladder, messageDialog } from '../ladder.js';
import { liveCalls } from '../live.js';
import type { CallDetail, CallMedia, Finding, MediaSample, TraceMessage } from '../types.js';

/** The fault domains of the diagnosis, in words (as `trunkline explain` prints them). */
export const DOMAIN_WORDS: Record<string, string> = {
  'customer-network': "the customer's network (firewall, NAT, ports)",
  'customer-pbx': "the customer's PBX configuration",
  'trunk-config': 'the trunk configuration (provisioning)',
  carrier: 'the carrier / upstream network',
  'far-end': 'the far end (the called or calling party)',
  edge: 'the trunkline edge itself',
};

const DIRECTIONS = [
  { key: 'customer_to_carrier', label: 'Customer → carrier', cls: 'c2c' },
  { key: 'carrier_to_customer', label: 'Carrier → customer', cls: 'k2c' },
] as const;

export function findingCard(f: Finding): HTMLElement {
  return h('article', { class: `card finding ${f.severity}`, 'aria-label': `Finding: ${f.title}` },
    h('h3', {}, f.title),
    h('p', {}, h('span', { class: `badge ${f.severity}` }, f.severity), ' ', h('code', {}, f.id), f.code ? ` · SIP ${f.code}` : ''),
    h('p', { class: 'domain' }, h('strong', {}, 'Fault lies with: '), `${DOMAIN_WORDS[f.fault_domain] ?? f.fault_domain} [${f.fault_domain}]`),
    f.evidence.length ? [h('h4', {}, 'What was seen'), h('ul', {}, f.evidence.map((e) => h('li', {}, e)))] : null,
    f.checks.length ? [h('h4', {}, 'What to check'), h('ol', {}, f.checks.map((c) => h('li', {}, c)))] : null,
    h('p', {}, h('strong', {}, 'Fix: '), f.fix));
}

function facts(c: CallDetail): HTMLElement {
  const rows: [string, string | Node][] = [
    ['Call SID', h('code', {}, c.call_sid)], ['Direction', c.direction], ['From', c.from], ['To', c.to],
    ['Trunk', c.trunk_sid ? h('a', { href: `#/trunks/${encodeURIComponent(c.trunk_sid)}` }, c.trunk_sid) : '—'],
    ['Source', `${c.source_address} (${c.transport})`], ['Started', time(c.started_at)], ['Answered', time(c.answered_at)], ['Ended', time(c.ended_at)],
    ['Final answer', c.final_code === null ? '—' : `${c.final_code} ${c.final_reason ?? ''} (by ${c.final_by ?? '?'})`],
    ['End cause', c.end_cause ?? '—'], ['Edge cause', c.edge_cause ?? '—'],
    ['Duration', c.duration_s === null ? '—' : `${c.duration_s} s`], ['Setup time', c.setup_ms === null ? '—' : `${c.setup_ms} ms`],
  ];
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function series(m: CallMedia, key: (typeof DIRECTIONS)[number]['key'], pick: (s: MediaSample) => number): Line['points'] {
  return (m.series?.[key] ?? []).map((s) => [s[0] / 1000, pick(s)] as const);
}

function mediaSection(m: CallMedia | null): HTMLElement {
  const section = h('section', { 'aria-labelledby': 'h-media' }, h('h2', { id: 'h-media' }, 'Media (RTP through the relay)'));
  if (!m?.directions) return section.appendChild(h('p', {}, 'No media was anchored for this call (it ended before an answer with SDP).')).parentElement!;
  const totals = h('table', {},
    h('caption', {}, 'Totals per direction'),
    h('thead', {}, h('tr', {}, ['Direction', 'Packets', 'Lost', 'Jitter (ms)', 'Longest gap (ms)', 'Sent from', 'SDP said'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, DIRECTIONS.map((d) => {
      const x = m.directions![d.key];
      return h('tr', {}, h('th', { scope: 'row' }, d.label), h('td', {}, x.packets), h('td', {}, x.lost), h('td', {}, x.jitter_ms.toFixed(2)),
        h('td', {}, x.max_gap_ms), h('td', { class: 'mono' }, x.source ?? '—'), h('td', { class: 'mono' }, x.sdp_address ?? '—'));
    })));
  section.append(h('div', { class: 'table-wrap' }, totals));
  if (DIRECTIONS.every((d) => m.directions![d.key].packets === 0)) {
    section.append(h('p', {}, 'No RTP packet reached the relay either way, so there is nothing to chart over time.'));
    return section;
  }
  if (!m.series || m.series.customer_to_carrier.length === 0) {
    section.append(h('p', {}, 'No samples over time were kept for this call (recorded before the edge sampled media over time); the totals above are what the record has.'));
    return section;
  }
  const lines = (pick: (s: MediaSample) => number): Line[] => DIRECTIONS.map((d) => ({ label: d.label, cls: d.cls, points: series(m, d.key, pick) }));
  section.append(
    h('p', {}, `Sampled at each live refresh of the record while the call was up and at its end (${m.series.customer_to_carrier.length} sample${m.series.customer_to_carrier.length === 1 ? '' : 's'} from ${m.series.started_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}).`),
    legend(DIRECTIONS),
    h('div', { class: 'charts' },
      lineChart('Packets received', 'packets', lines((s) => s[1])),
      lineChart('Packets lost', 'packets', lines((s) => s[2])),
      lineChart('Interarrival jitter (RFC 3550)', 'ms', lines((s) => s[3]))));
  return section;
}

/** A download through fetch with the session's Basic auth (a plain link could not carry it). */
function downloadButton(label: string, path: string, filename: string): HTMLElement {
  const status = h('span', { role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    status.textContent = 'Downloading…';
    const res = await fetchRaw(path);
    if (!res.ok) {
      status.textContent = `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status.textContent = `${filename} downloaded.`;
  } }, label);
  return h('span', {}, button, ' ', status);
}

let bundleRoute: Promise<boolean> | undefined;
/** Whether this server has the support bundle route (its OpenAPI document says so). */
function hasBundleRoute(): Promise<boolean> {
  bundleRoute ??= fetch('/openapi.json').then((r) => r.json() as Promise<{ paths?: Record<string, unknown> }>)
    .then((doc) => Object.keys(doc.paths ?? {}).some((p) => /\/calls\/\{call_sid\}\/bundle$/.test(p)), () => false);
  return bundleRoute;
}

async function render(main: HTMLElement, sid: string): Promise<CallDetail> {
  const c = await getOne<CallDetail>(`/calls/${encodeURIComponent(sid)}`);
  const trace = await getOne<{ messages: TraceMessage[] }>(`/calls/${encodeURIComponent(sid)}/trace`).then((t) => t.messages, () => [] as TraceMessage[]);
  const dlg = messageDialog();
  const downloads = h('p', { class: 'actions' });
  if (c.recording?.pcap_uri) downloads.append(downloadButton('Download pcap', c.recording.pcap_uri, `${sid}.pcap`));
  void hasBundleRoute().then((yes) => {
    // The bundle states the call's start in the browser's time zone.
    const tz = encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
    if (yes) downloads.append(downloadButton('Download support bundle', `${accountPath()}/calls/${encodeURIComponent(sid)}/bundle?tz=${tz}`, `${sid}-bundle.tar.gz`));
  });
  clear(main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/calls' }, '← Calls')),
    h('h1', {}, `Call to ${c.to} `, h('span', { class: `badge ${c.status}` }, c.status)),
    facts(c), downloads,
    h('section', { 'aria-labelledby': 'h-findings' }, h('h2', { id: 'h-findings' }, `Findings (${c.findings.length})`),
      c.findings.length ? c.findings.map(findingCard) : h('p', {}, c.status === 'in-progress' ? 'None so far; the call is re-diagnosed while it is up.' : 'No fault found on this call.')),
    h('section', { 'aria-labelledby': 'h-ladder' }, h('h2', { id: 'h-ladder' }, `SIP ladder (${trace.length} messages)`),
      h('p', {}, 'Select an arrow (or focus it and press Enter) to read the whole message.'),
      h('div', { class: 'ladder-wrap' }, ladder(trace, dlg.show))),
    dlg.dialog,
    h('section', { 'aria-labelledby': 'h-timeline' }, h('h2', { id: 'h-timeline' }, 'Timeline'),
      h('ol', { class: 'timeline' }, c.events.map((e) => h('li', {}, time(e.at), h('strong', {}, e.kind), h('span', {}, e.detail))))),
    mediaSection(c.media));
  return c;
}

export const callPage: Page = (main, route) => {
  const sid = route.path[1];
  clear(main, h('p', { class: 'crumbs' }, h('a', { href: '#/calls' }, '← Calls')), h('h1', {}, 'Call'), statusLine('Loading the call…'));
  let live: { close(): void } | undefined;
  let closed = false;
  void render(main, sid).then((c) => {
    // A call still up is drawn again each time its record changes (answer, live refresh, end).
    if (c.status !== 'in-progress' || closed) return;
    let pending = false;
    const redraw = (): void => {
      // Not under an open message: the redraw waits until the dialog is closed.
      const open = main.querySelector<HTMLDialogElement>('dialog[open]');
      if (open) {
        if (!pending) open.addEventListener('close', () => redraw(), { once: true });
        pending = true;
        return;
      }
      pending = false;
      void render(main, sid).then((n) => {
        if (n.status !== 'in-progress') live?.close();
      });
    };
    live = liveCalls((u) => {
      if (u.call_sid === sid) redraw();
    }, (state) => {
      // Whatever was written between the first read and the stream's opening (the end, even) is read once more.
      if (state === 'live') redraw();
    });
  }, (err: unknown) => main.append(errorBox(failureText(err))));
  return () => {
    closed = true;
    live?.close();
  };
};
