import { TrunklineError } from '../core/index.js';
import { FINDING_CATALOGUE } from './catalogue.js';
import { EDGE_CAUSES, edgeCause } from './edge-causes.js';
import type { FaultDomain } from './finding.js';
import { API_ERRORS, SUPPORT_CHECKLIST, SUPPORT_CONTACT, TICKET_FIELDS } from './kb/guide-api.js';
import { CODEC_RULE, MEDIA_SYMPTOMS } from './kb/guide-media.js';
import { SIP_CODES, sipCodeOrClass } from './kb/sip-codes.js';
import type { MediaSymptom } from './kb/types.js';
import { CALL_SYMPTOMS } from './kb/call-symptoms.js';

export type ExplainKind = 'sip-code' | 'api-error' | 'media-symptom' | 'call-symptom' | 'codec-rule' | 'finding' | 'edge-cause' | 'checklist' | 'ticket';

/** One cause of a call symptom, ranked: `fits` when the length the user gave is the one it produces. */
export interface ExplainCause {
  readonly id: string;
  readonly cause: string;
  readonly why: string;
  readonly fits: boolean;
  readonly fault_domain: FaultDomain;
  readonly checks: readonly string[];
  readonly fix: string;
  readonly findings: readonly string[];
}

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
  /** Call symptoms: every cause an engineer weighs, most likely first. */
  readonly causes?: readonly ExplainCause[];
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

const UNIT_S: Readonly<Record<string, number>> = { s: 1, sec: 1, secs: 1, second: 1, seconds: 1, m: 60, min: 60, mins: 60, minute: 60, minutes: 60, h: 3600, hr: 3600, hour: 3600, hours: 3600 };

/** "after 30 seconds", "32s", "15 min", "half an hour", "an hour" → seconds. */
export function durationInQuery(q: string): number | undefined {
  const t = q.toLowerCase();
  const m = /(\d+(?:[.,]\d+)?)\s*(seconds|second|secs|sec|s|minutes|minute|mins|min|m|hours|hour|hr|h)\b/.exec(t);
  if (m) return Number(m[1].replace(',', '.')) * (UNIT_S[m[2]] ?? 1);
  if (/\bhalf an hour\b/.test(t)) return 1800;
  if (/\b(an|one) hour\b/.test(t)) return 3600;
  return undefined;
}

/** A symptom in the user's words ("my calls drop after 30 seconds"): every cause, the ones that fit the length first. */
function callSymptomEntry(q: string): ExplainEntry | undefined {
  const tokens = new Set(words(q).split(' '));
  const symptom = CALL_SYMPTOMS.find((s) => s.words.every((group) => group.some((w) => tokens.has(w))));
  if (!symptom) return undefined;
  const d = durationInQuery(q);
  const fit = (c: (typeof symptom.causes)[number]): number => {
    if (d === undefined || !c.at) return Infinity;
    return Math.min(...c.at.map((a) => (Math.abs(d - a.s) <= a.tolerance ? Math.abs(d - a.s) / a.tolerance : Infinity)));
  };
  const ranked = symptom.causes.map((c, i) => ({ c, i, f: fit(c) })).sort((a, b) => a.f - b.f || a.i - b.i);
  const causes: ExplainCause[] = ranked.map(({ c, f }) => ({
    id: c.id, cause: c.cause, why: c.why, fits: Number.isFinite(f), fault_domain: c.faultDomain, checks: c.checks, fix: c.fix, findings: c.findings,
  }));
  const top = causes[0];
  const fitting = causes.filter((c) => c.fits);
  return {
    kind: 'call-symptom', key: symptom.id,
    title: d === undefined ? symptom.title : `${symptom.title}: after ${d} s`,
    meaning: symptom.meaning,
    likely_cause: fitting.length ? fitting.map((c) => c.cause).join('; or ') : `one of the causes below; the length of the calls tells which`,
    fault_domain: top.fault_domain, checks: top.checks, fix: top.fix, source: 'engine',
    findings: [...new Set(causes.flatMap((c) => c.findings))],
    causes,
    note: 'A capture of one such call tells them apart: `trunkline diagnose capture.pcap --call ID` shows the ACK, the RTP and the refreshes, and files reachability.no-ack or media.rtp-timeout on the call.',
  };
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
  const callSymptom = w ? callSymptomEntry(q) : undefined;
  if (callSymptom) return callSymptom;
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
