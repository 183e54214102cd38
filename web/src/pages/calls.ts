// Calls: newest first, filtered by trunk, status, code and time; new and changing calls arrive
// over the event stream and update their row in place (no polling).
import { getList } from '../api.js';
import type { Page } from '../app.js';
import { clear, errorBox, h, statusLine, time, uid } from '../dom.js';
import { failureText } from '../form.js';
import { liveCalls } from '../live.js';
import type { CallSummary, Trunk } from '../types.js';

const STATUSES = ['in-progress', 'completed', 'failed', 'refused'] as const;
const PAGE = 50;

interface Filters {
  trunk_sid?: string;
  status?: string;
  code?: string;
  start_time?: string;
  end_time?: string;
}

function filtersOf(q: URLSearchParams): Filters {
  const f: Filters = {};
  for (const k of ['trunk_sid', 'status', 'code', 'start_time', 'end_time'] as const) {
    const v = q.get(k);
    if (v) f[k] = v;
  }
  return f;
}

/** Does a call pushed by the stream belong in the filtered list? Same rules as the API's query. */
function matches(c: CallSummary, f: Filters): boolean {
  if (f.trunk_sid && c.trunk_sid !== f.trunk_sid) return false;
  if (f.status && c.status !== f.status) return false;
  if (f.code && String(c.final_code) !== f.code) return false;
  if (f.start_time && c.started_at < f.start_time) return false;
  if (f.end_time && c.started_at > f.end_time) return false;
  return true;
}

function codeText(c: CallSummary): string {
  return c.final_code === null ? '—' : `${c.final_code} ${c.final_reason ?? ''}`.trim();
}

function callRow(c: CallSummary): HTMLTableRowElement {
  const cell = (label: string, ...content: (string | Node)[]) => h('td', { 'data-label': label }, ...content);
  return h('tr', { 'data-call-sid': c.call_sid, 'data-status': c.status },
    cell('Started', time(c.started_at)),
    cell('Direction', c.direction),
    cell('From', h('span', { class: 'mono' }, c.from)),
    cell('To', h('span', { class: 'mono' }, c.to)),
    cell('Status', h('span', { class: `badge ${c.status}` }, c.status)),
    cell('Code', codeText(c)),
    cell('Duration', c.duration_s === null ? '—' : `${c.duration_s} s`),
    cell('Findings', c.findings.length ? c.findings.map((f) => f.title).join('; ') : 'none'),
    cell('Call', h('a', { href: `#/calls/${encodeURIComponent(c.call_sid)}`, 'aria-label': `Open call ${c.call_sid} to ${c.to}` }, 'Open')));
}

function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function filterForm(f: Filters, trunks: readonly Trunk[]): HTMLFormElement {
  const field = (label: string, control: HTMLElement) => {
    const id = uid('flt');
    control.id = id;
    return h('div', { class: 'field' }, h('label', { for: id }, label), control);
  };
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter calls' },
    field('Trunk', h('select', { name: 'trunk_sid' }, h('option', { value: '' }, 'All trunks'),
      trunks.map((t) => h('option', { value: t.trunk_sid, selected: t.trunk_sid === f.trunk_sid }, t.trunk_name)))),
    field('Status', h('select', { name: 'status' }, h('option', { value: '' }, 'Any status'),
      STATUSES.map((s) => h('option', { value: s, selected: s === f.status }, s)))),
    field('SIP code', h('input', { name: 'code', type: 'number', min: 100, max: 699, inputmode: 'numeric', value: f.code, placeholder: 'e.g. 486' })),
    field('Started after', h('input', { name: 'start_time', type: 'datetime-local', value: toLocalInput(f.start_time) })),
    field('Started before', h('input', { name: 'end_time', type: 'datetime-local', value: toLocalInput(f.end_time) })),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Filter'), h('a', { href: '#/calls' }, 'Clear')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) {
      const value = String(v).trim();
      if (!value) continue;
      // datetime-local is the browser's local time; the API takes UTC ISO 8601.
      q.set(k, k.endsWith('_time') ? new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z') : value);
    }
    location.hash = `#/calls${q.size ? `?${q}` : ''}`;
  });
  return form;
}

export const callsPage: Page = (main, route) => {
  const f = filtersOf(route.query);
  const liveState = h('span', { class: 'live', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), 'Connecting to live calls…');
  const filterSlot = h('div');
  const tableSlot = h('div', { class: 'table-wrap' }, statusLine('Loading calls…'));
  const more = h('div', { class: 'actions' });
  clear(main, h('h1', {}, 'Calls'), filterSlot, h('p', {}, liveState), tableSlot, more);

  const tbody = h('tbody');
  const caption = h('caption');
  let total = 0;
  let offset = 0;
  const setCaption = () => {
    caption.textContent = `${total} call${total === 1 ? '' : 's'}${Object.keys(f).length ? ' matching the filters' : ''}, newest first`;
  };
  const table = h('table', { class: 'calls' }, caption,
    h('thead', {}, h('tr', {}, ['Started', 'Direction', 'From', 'To', 'Status', 'Code', 'Duration', 'Findings', 'Call'].map((c) => h('th', { scope: 'col' }, c)))),
    tbody);

  const query = (o: number) => {
    const q = new URLSearchParams({ offset: String(o), page_size: String(PAGE) });
    for (const [k, v] of Object.entries(f)) q.set(k, v as string);
    return `/calls?${q}`;
  };
  const loadPage = async (): Promise<void> => {
    try {
      const page = await getList<CallSummary>(query(offset));
      total = page.total;
      for (const c of page.items) if (!tbody.querySelector(`tr[data-call-sid="${CSS.escape(c.call_sid)}"]`)) tbody.append(callRow(c));
      offset += page.items.length;
      setCaption();
      clear(tableSlot, tbody.children.length ? table : h('p', { class: 'empty' }, 'No call yet. Calls appear here live as the edge carries them.'));
      clear(more, offset < total ? h('button', { type: 'button', class: 'secondary', onclick: () => void loadPage() }, 'Older calls') : null);
    } catch (err) {
      clear(tableSlot, errorBox(failureText(err)));
    }
  };

  void getList<Trunk>('/trunks?page_size=500').then((t) => clear(filterSlot, filterForm(f, t.items)), () => clear(filterSlot, filterForm(f, [])));

  /** A call as the stream (or a re-read) gives it: its row replaced in place, or a new row in time order. */
  const upsert = (c: CallSummary): void => {
    if (!matches(c, f)) return;
    const row = callRow(c);
    const existing = tbody.querySelector<HTMLTableRowElement>(`tr[data-call-sid="${CSS.escape(c.call_sid)}"]`);
    // A new call or a new status is flashed; a live refresh of the same state is not.
    if (existing?.dataset['status'] !== c.status) row.classList.add('flash');
    if (existing) {
      existing.replaceWith(row);
    } else {
      // Newest first: before the first row that started earlier.
      const after = [...tbody.querySelectorAll<HTMLTableRowElement>('tr')].find((r) => (r.querySelector('time')?.getAttribute('datetime') ?? '') <= c.started_at);
      tbody.insertBefore(row, after ?? null);
      total++;
      setCaption();
      if (tableSlot.firstElementChild !== table) clear(tableSlot, table);
    }
  };

  // The list is read once the stream is open, so no call written in between is missed; after a
  // reconnect the newest page is read again for what changed while the stream was down.
  let listed = false;
  const live = liveCalls(upsert, (state, detail) => {
    liveState.classList.toggle('on', state === 'live');
    liveState.lastChild!.textContent = state === 'live' ? 'Live: new and changing calls appear as they happen' : state === 'connecting' ? 'Connecting to live calls…' : `Live updates off: ${detail ?? ''}`;
    if (state === 'connecting') return;
    if (!listed) {
      listed = true;
      void loadPage();
    } else if (state === 'live') {
      void getList<CallSummary>(query(0)).then((page) => {
        for (const c of [...page.items].reverse()) upsert(c);
        total = page.total;
        setCaption();
      }, () => {});
    }
  });
  return () => live.close();
};
