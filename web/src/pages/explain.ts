// Explain: a SIP code, an API error code, a symptom in words or a finding id, looked up in the
// knowledge base the diagnosis uses (GET …/explain?q=), answered as `trunkline explain` does.
import { getOne } from '../api.js';
import type { Page } from '../app.js';
import { clear, errorBox, h, statusLine, uid } from '../dom.js';
import { failureText } from '../form.js';
import { DOMAIN_WORDS } from './call.js';

interface ExplainEntry {
  kind: string;
  key: string;
  title: string;
  meaning: string;
  likely_cause: string;
  fault_domain?: string;
  checks: string[];
  fix?: string;
  source: string;
  rfc?: string;
  http_status?: number;
  findings?: string[];
  note?: string;
}

const EXAMPLES = ['486', '488', '503', '1002', 'one way audio', 'no audio', 'media.rtp-timeout'];

function entryView(e: ExplainEntry): HTMLElement {
  const row = (k: string, v: string | Node | undefined | null) => (v ? [h('dt', {}, k), h('dd', {}, v)] : null);
  return h('article', { class: 'card kb', 'aria-label': e.title },
    h('h2', {}, e.title),
    h('dl', {},
      row('Meaning', e.meaning),
      row('Likely cause', e.likely_cause === e.meaning ? null : e.likely_cause),
      row('Fault lies with', e.fault_domain ? `${DOMAIN_WORDS[e.fault_domain] ?? e.fault_domain} [${e.fault_domain}]` : null),
      row('HTTP status', e.http_status === undefined ? null : String(e.http_status)),
      row('What to check', e.checks.length ? h('ol', {}, e.checks.map((c) => h('li', {}, c))) : null),
      row('Fix', e.fix),
      row('Findings', e.findings?.length ? h('span', {}, e.findings.map((f, i) => [i ? ', ' : '', h('a', { href: `#/explain?q=${encodeURIComponent(f)}` }, f)])) : null),
      row('Reference', e.rfc),
      row('Source', e.source),
      row('Note', e.note)));
}

export const explainPage: Page = (main, route) => {
  const q = route.query.get('q') ?? '';
  const id = uid('q');
  const input = h('input', { id, name: 'q', type: 'search', value: q, placeholder: '488, 1008, one way audio, media.rtp-timeout', autocomplete: 'off', 'aria-describedby': `${id}-hint` });
  const form = h('form', { role: 'search', 'aria-label': 'Explain a code or symptom', class: 'card' },
    h('div', { class: 'field' },
      h('label', { for: id }, 'SIP code, API error code, symptom or finding id'), input,
      h('small', { id: `${id}-hint` }, 'Examples: ', EXAMPLES.map((x, i) => [i ? ', ' : '', h('a', { href: `#/explain?q=${encodeURIComponent(x)}` }, x)]))),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Explain')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/explain?q=${encodeURIComponent(input.value.trim())}`;
  });
  const result = h('div', { 'aria-live': 'polite' });
  clear(main, h('h1', {}, 'Explain'), form, result);
  if (!q) return;
  clear(result, statusLine('Looking it up…'));
  void getOne<ExplainEntry>(`/explain?q=${encodeURIComponent(q)}`).then((e) => clear(result, entryView(e)), (err: unknown) => clear(result, errorBox(failureText(err))));
};
