import { TrunklineError } from '../core/index.js';
import { FINDING_CATALOGUE } from './catalogue.js';
import { EDGE_CAUSES, edgeCause } from './edge-causes.js';
import type { FaultDomain } from './finding.js';
import { API_ERRORS, SUPPORT_CHECKLIST, SUPPORT_CONTACT, TICKET_FIELDS } from './kb/guide-api.js';
import { CODEC_RULE, MEDIA_SYMPTOMS } from './kb/guide-media.js';
import { SIP_CODES, sipCodeOrClass } from './kb/sip-codes.js';
import type { MediaSymptom } from './kb/types.js';

export type ExplainKind = 'sip-code' | 'api-error' | 'media-symptom' | 'codec-rule' | 'finding' | 'edge-cause' | 'checklist' | 'ticket';

/** One knowledge-base entry, shaped alike whatever the query found (the --json output). */
export interface ExplainEntry {
  readonly kind: ExplainKind;
  /** "488", "1008", "one-way-audio", a finding id, an edge cause id. */
  readonly key: string;
  readonly title: string;
  readonly meaning: string;
  readonly likely_cause: string;
  readonly fault_domain?: FaultDomain;
  readonly checks: readonly string[];
  readonly fix?: string;
  /** Where the words come from: the guide, the IANA registry, SPEC, or the engine's catalogue. */
  readonly source: 'guide' | 'iana' | 'spec' | 'engine';
  /** The guide's row as it stands, column by column, when the guide has one. */
  readonly guide?: Readonly<Record<string, string | number | readonly string[]>>;
  readonly rfc?: string;
  readonly http_status?: number;
  readonly endpoints?: readonly string[];
  /** Finding ids the engine files this under. */
  readonly findings?: readonly string[];
  readonly note?: string;
}

function findingsWithCode(code: number): string[] {
  return [...FINDING_CATALOGUE.values()].filter((f) => f.code === code).map((f) => f.id);
}

function sipEntry(code: number): ExplainEntry | undefined {
  const known = sipCodeOrClass(code);
  if (!known) return undefined;
  const e = known.entry;
  const g = e.guide;
  return {
    kind: 'sip-code',
    key: String(code),
    title: known.registered ? `${code} ${e.name}` : `${code} (unregistered, treated as ${e.code} ${e.name})`,
    meaning: e.meaning,
    likely_cause: e.likelyCause,
    fault_domain: e.faultDomain,
    checks: e.checks,
    fix: e.fix,
    source: g ? 'guide' : 'iana',
    ...(g ? { guide: { code: g.code, meaning: g.meaning, [g.code < 300 ? 'what_it_means' : 'likely_root_cause']: g.cause, what_to_check: g.check, section: g.section } } : {}),
    rfc: e.rfc,
    findings: findingsWithCode(e.code),
    ...(known.registered ? {} : { note: `RFC 3261 §8.1.3.2: an unrecognized response is treated as ${e.code} of its class` }),
  };
}

function apiEntry(code: number): ExplainEntry | undefined {
  const a = API_ERRORS.find((x) => x.code === code);
  if (!a) return undefined;
  return {
    kind: 'api-error', key: String(code), title: `API error ${code}: ${a.meaning} (HTTP ${a.httpStatus})`,
    meaning: a.meaning, likely_cause: a.indicates, fault_domain: 'trunk-config', checks: [a.action], fix: a.action,
    source: a.source, http_status: a.httpStatus, endpoints: a.endpoints,
    ...(a.source === 'guide' ? { guide: { api_error_code: a.code, http_status: a.httpStatus, meaning: a.meaning, what_it_indicates: a.indicates, common_endpoints: a.endpoints, what_the_customer_should_do: a.action } } : {}),
  };
}

function symptomEntry(s: MediaSymptom): ExplainEntry {
  return {
    kind: 'media-symptom', key: s.id, title: s.symptom, meaning: s.explanation, likely_cause: s.cause,
    fault_domain: s.faultDomain, checks: [s.check, ...s.checks], fix: s.fix, source: 'guide',
    guide: { symptom: s.symptom, likely_cause: s.cause, what_to_check: s.check }, findings: s.findings,
  };
}

function codecEntry(): ExplainEntry {
  return {
    kind: 'codec-rule', key: 'codec', title: 'Codec requirements: G.711 A-law only',
    meaning: CODEC_RULE.requirements.map((r) => `${r.item}: ${r.requirement}`).join('; '),
    likely_cause: 'A PBX offering another codec, or another codec ahead of A-law, fails with 415 / 488',
    fault_domain: 'customer-pbx', checks: CODEC_RULE.ensure.map((e) => `Ensure ${e.charAt(0).toLowerCase()}${e.slice(1)}`), fix: 'Enable PCMA/8000 on the PBX trunk, first in the list, with transcoding off.',
    source: 'guide', guide: Object.fromEntries([...CODEC_RULE.requirements.map((r) => [r.item, r.requirement]), ['ensure', CODEC_RULE.ensure]]), findings: CODEC_RULE.findings,
  };
}

function findingEntry(id: string): ExplainEntry | undefined {
  const f = FINDING_CATALOGUE.get(id);
  if (!f) return undefined;
  return {
    kind: 'finding', key: id, title: f.title, meaning: f.when, likely_cause: f.title, fault_domain: f.fault_domain,
    checks: f.checks, fix: f.fix, source: 'engine', findings: [id],
    ...(f.code ? { note: `SIP code ${f.code}: see \`trunkline explain ${f.code}\`` } : {}),
  };
}

function edgeCauseEntry(cause: string): ExplainEntry | undefined {
  const e = edgeCause(cause);
  if (!e) return undefined;
  return {
    kind: 'edge-cause', key: cause, title: `Edge refusal "${cause}": ${e.sends === 'bye' ? `BYE with Reason cause=${e.status}` : `${e.status} ${e.phrase}`}`,
    meaning: e.text, likely_cause: e.title, fault_domain: e.fault_domain, checks: e.checks, fix: e.fix, source: 'spec', findings: [e.findingId],
  };
}

const checklistEntry = (): ExplainEntry => ({
  kind: 'checklist', key: 'checklist', title: 'Before contacting support', meaning: 'Verify these before raising a ticket',
  likely_cause: 'Most trunk problems are one of these settings', checks: SUPPORT_CHECKLIST.map((c) => `${c.item} — ${c.how}`),
  fix: 'Run `trunkline preflight` to check them from your PBX host.', source: 'guide', guide: { please_verify: SUPPORT_CHECKLIST.map((c) => c.item) },
});

const ticketEntry = (): ExplainEntry => ({
  kind: 'ticket', key: 'ticket', title: 'When to contact support: what a ticket carries', meaning: SUPPORT_CONTACT,
  likely_cause: 'A ticket without these fields cannot be traced', checks: TICKET_FIELDS.map((t) => `${t.field} — ${t.source}`),
  fix: 'Run `trunkline bundle CALL_SID` to collect them in one file.', source: 'guide', guide: { please_share: TICKET_FIELDS.map((t) => t.field) },
});

const words = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

function bySymptomWords(q: string): MediaSymptom | undefined {
  const query = words(q);
  const tokens = query.split(' ').filter(Boolean);
  let best: { s: MediaSymptom; score: number } | undefined;
  for (const s of MEDIA_SYMPTOMS) {
    for (const phrase of [s.symptom, s.cause, ...s.aliases].map(words)) {
      const have = new Set(phrase.split(' '));
      const hit = tokens.filter((t) => have.has(t)).length / tokens.length;
      const score = phrase === query ? 3 : ` ${phrase} `.includes(` ${query} `) ? 2 : hit;
      if (score >= 1 && (!best || score > best.score)) best = { s, score };
    }
  }
  return best?.s;
}

/** The entry a query names, or undefined. Accepts "488", "SIP 488", "1008", a finding id, an edge cause, or free words. */
export function lookup(query: string): ExplainEntry | undefined {
  const q = query.trim().replace(/^(sip\/2\.0|sip|api|error|code)\s+/i, '');
  // "488", or a status line pasted whole ("SIP/2.0 488 Not Acceptable Here").
  const code = /^(\d{3,4})(?:\s+\D.*)?$/.exec(q)?.[1];
  if (code?.length === 3) return sipEntry(Number(code));
  if (code?.length === 4) return apiEntry(Number(code));
  const lower = q.toLowerCase();
  if (FINDING_CATALOGUE.has(lower)) return findingEntry(lower);
  if (Object.hasOwn(EDGE_CAUSES, lower)) return edgeCauseEntry(lower);
  const w = words(q);
  const symptom = MEDIA_SYMPTOMS.find((s) => s.id === lower) ?? (w ? bySymptomWords(q) : undefined);
  if (symptom) return symptomEntry(symptom);
  if (/\b(codec|codecs|g ?711|a ?law|alaw|pcma|transcod\w*)\b/.test(w)) return codecEntry();
  if (/\b(checklist|before contacting|verify)\b/.test(w)) return checklistEntry();
  if (/\b(ticket|contact support|support)\b/.test(w)) return ticketEntry();
  // A reason phrase typed out ("busy here", "request timeout") names its code.
  for (const e of SIP_CODES.values()) if (words(e.name) === w || (e.guide && words(e.guide.meaning) === w)) return sipEntry(e.code);
  for (const a of API_ERRORS) if (words(a.meaning) === w) return apiEntry(a.code);
  return undefined;
}

/** Like lookup, but an empty or unknown query is a TrunklineError (DIAG_EMPTY_QUERY, DIAG_UNKNOWN_QUERY). */
export function explain(query: string): ExplainEntry {
  if (!query.trim()) throw new TrunklineError('DIAG_EMPTY_QUERY', 'nothing to explain: give a SIP code, an API error code, a symptom or a finding id');
  const entry = lookup(query);
  if (!entry) {
    throw new TrunklineError('DIAG_UNKNOWN_QUERY', `nothing in the knowledge base matches "${query.trim()}": try a SIP code (488), an API error code (1008), a symptom ("one way audio") or a finding id (media.rtp-timeout)`, { details: { query } });
  }
  return entry;
}
