import { TICKET_FIELDS } from '../diagnosis/index.js';
import type { CallRecord, PreflightResultRow } from '../store/index.js';
import type { TrunkSnapshot } from './trunk-snapshot.js';

/**
 * summary.json and summary.txt of a bundle: the guide's ticket fields (§10) first, then the
 * call, its findings with their checks, the media statistics, the trunk and the preflight.
 */
export interface BundleSummary {
  readonly bundle_version: 1;
  readonly made_at: string;
  readonly ticket: {
    readonly trunk_sid: string | null;
    readonly call_sid: string;
    readonly direction: CallRecord['direction'];
    readonly sip_response_code: number | null;
    readonly sip_response_reason: string | null;
    readonly final_by: CallRecord['final_by'];
    /** UTC, SPEC §1 form. */
    readonly start_time: string;
    /** The same instant with the offset of `time_zone` (the guide: "timestamp (with timezone)"). */
    readonly start_time_local: string;
    readonly time_zone: string;
  };
  readonly call: Omit<CallRecord, 'findings' | 'events' | 'trace' | 'media'>;
  readonly findings: CallRecord['findings'];
  readonly events: CallRecord['events'];
  readonly media: unknown;
  readonly pcap: { readonly file: string; readonly rebuilt: boolean; readonly note: string };
  readonly trunk: TrunkSnapshot | null;
  readonly preflight: { readonly file: string; readonly id: string; readonly created_at: string; readonly ok: boolean; readonly counts: Record<string, number> } | null;
  readonly files: readonly string[];
}

/** ISO 8601 with the zone's offset, e.g. 2026-01-23T14:54:59+05:30 (Intl's longOffset, no table of our own). */
export function localIso(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset' }).formatToParts(new Date(ms));
  const p = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
  const offset = p('timeZoneName').replace(/^GMT/, '') || '+00:00';
  return `${p('year')}-${p('month')}-${p('day')}T${p('hour')}:${p('minute')}:${p('second')}${offset === '' ? 'Z' : offset}`;
}

type Direction = { packets?: number; lost?: number; jitter_ms?: number; max_gap_ms?: number; source?: string | null; sdp_address?: string | null; first_at?: string | null; last_at?: string | null };

function mediaLines(media: unknown): string[] {
  const dirs = (media as { directions?: Record<string, Direction> } | null)?.directions;
  if (!dirs) return ['  (no media: the call was not anchored on the relay)'];
  return Object.entries(dirs).map(([name, d]) =>
    `  ${name.replace(/_/g, ' ').padEnd(20)} ${d.packets ?? 0} packets, ${d.lost ?? 0} lost, jitter ${d.jitter_ms ?? 0} ms, longest gap ${d.max_gap_ms ?? 0} ms, from ${d.source ?? '—'} (SDP said ${d.sdp_address ?? '—'})`);
}

export function summaryText(s: BundleSummary): string {
  const t = s.ticket;
  const code = t.sip_response_code === null ? 'none (no final response)' : `${t.sip_response_code} ${t.sip_response_reason ?? ''}${t.final_by ? ` (sent by the ${t.final_by})` : ''}`;
  const values = [t.trunk_sid ?? '(none: refused before a trunk was identified)', t.call_sid, t.direction, code, `${t.start_time} = ${t.start_time_local} (${t.time_zone})`, `${s.pcap.file}${s.pcap.rebuilt ? ' (rebuilt from the SIP trace: the call was not recorded)' : ' (recorded)'}, sip/messages.txt, sip/ladder.txt`];
  const lines = [`trunkline support bundle: call ${t.call_sid}`, `made ${s.made_at}`, '', 'Ticket fields (guide §10, "when to contact support"):'];
  TICKET_FIELDS.forEach((f, i) => lines.push(`  ${f.field.padEnd(38)} ${values[i] ?? ''}`));
  const c = s.call;
  lines.push('', 'Call:', `  ${c.from} → ${c.to}, ${c.direction}, from ${c.source_address} over ${c.transport}, SIP Call-ID ${c.sip_call_id}`,
    `  status ${c.status}; answered ${c.answered_at ?? 'never'}; ended ${c.ended_at ?? 'not yet'}${c.duration_s !== null ? ` after ${c.duration_s} s` : ''}${c.end_cause ? `; end cause ${c.end_cause}` : ''}${c.edge_cause ? `; edge cause ${c.edge_cause}` : ''}`);
  lines.push('', `Findings (${s.findings.length}):`);
  if (s.findings.length === 0) lines.push('  none');
  s.findings.forEach((f, i) => {
    lines.push(`  ${i + 1}. [${f.severity}] ${f.id}${f.code ? ` (${f.code})` : ''}: ${f.title} — fault domain: ${f.fault_domain}`);
    for (const e of f.evidence ?? []) lines.push(`     evidence: ${typeof e === 'string' ? e : JSON.stringify(e)}`);
    (f.checks ?? []).forEach((ch, j) => lines.push(`     check ${j + 1}: ${ch}`));
    if (f.fix) lines.push(`     fix: ${f.fix}`);
  });
  lines.push('', 'Media statistics (media/stats.json):', ...mediaLines(s.media));
  lines.push('', 'Trunk configuration (trunk/config.json; secrets removed):');
  if (!s.trunk) lines.push('  (no trunk: the call was refused before a trunk was identified, or the trunk was deleted)');
  else {
    const k = s.trunk;
    lines.push(`  ${k.trunk_name} (${k.trunk_sid}), ${k.status}, domain ${k.domain_name}, auth_mode ${k.auth_mode}, as of ${k.as_of}${k.changed_since_call ? ` — CHANGED since the call (updated ${k.date_updated})` : ' (unchanged since the call)'}`,
      `  whitelisted: ${k.whitelisted_ips.map((w) => `${w.ip}/${w.mask}`).join(', ') || 'none'}`,
      `  destinations: ${k.destination_uris.map((d) => `${d.destination} p${d.priority} w${d.weight}`).join(', ') || 'none'}`,
      `  credentials: ${k.credentials.map((x) => x.user_name).join(', ') || 'none'}`);
  }
  lines.push('', 'Preflight:');
  if (!s.preflight) lines.push('  none run for this trunk with API credentials (run `trunkline preflight --api …` from the PBX host)');
  else {
    const p = s.preflight;
    lines.push(`  latest ${p.id} at ${p.created_at}: ${p.ok ? 'no item failed' : 'FAILED items'} (${Object.entries(p.counts).map(([k, v]) => `${v} ${k}`).join(', ')}) — ${p.file}`);
  }
  lines.push('', 'Files:', ...s.files.map((f) => `  ${f}`));
  return `${lines.join('\n')}\n`;
}

export function preflightCounts(row: PreflightResultRow): Record<string, number> {
  const counts: Record<string, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  const items = (row.report as { items?: { status?: string }[] } | null)?.items ?? [];
  for (const i of items) if (i.status && i.status in counts) counts[i.status]++;
  return counts;
}
