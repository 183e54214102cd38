import { readFile } from 'node:fs/promises';
import { isoSeconds } from '../core/index.js';
import type { CallRecord, PreflightResultRow, TraceEntry, TrunkView } from '../store/index.js';
import { pcapFromTrace } from './pcap-rebuild.js';
import { localIso, preflightCounts, summaryText, type BundleSummary } from './summary.js';
import { tarGz, type TarEntry } from './tar-writer.js';
import { trunkSnapshot } from './trunk-snapshot.js';

/**
 * One call's support bundle (guide §10, SPEC §6): a .tar.gz whose top folder is
 * `trunkline-bundle-<call_sid>/`, holding summary.txt / summary.json (the ticket fields, the
 * findings with their checks), the SIP trace as a ladder and as raw messages, the pcap (recorded,
 * or rebuilt from the trace and named so), the media statistics, the trunk's configuration
 * without secrets and the latest preflight result of the trunk. The CLI (reading the store) and
 * the API route build it through the same ports, so both give the same bytes for the same data.
 */
export interface BundlePorts {
  readonly trunkBySid: (trunkSid: string) => Promise<TrunkView | undefined>;
  readonly latestPreflight: (accountSid: string, trunkSid: string) => Promise<PreflightResultRow | undefined>;
  /** Where the call's recording is (data-dir/recordings/<call_sid>.pcap), whether or not it exists. */
  readonly pcapPath: (callSid: string) => string;
  /** The edge's text ladder of a trace (what GET …/calls/{call_sid}/trace shows). */
  readonly renderLadder: (trace: readonly TraceEntry[]) => string;
}

export interface BundleOptions {
  /** Wall-clock ms the bundle is made at. */
  readonly now: number;
  /** IANA zone for the local start time; the host's when absent. */
  readonly timeZone?: string;
}

export interface Bundle {
  /** `trunkline-bundle-<call_sid>.tar.gz` */
  readonly fileName: string;
  readonly bytes: Buffer;
  readonly summary: BundleSummary;
}

function rawMessages(trace: readonly TraceEntry[]): string {
  return trace.map((t, i) => `----- #${i + 1} ${t.at} ${t.leg} leg, ${t.direction === 'in' ? 'received' : 'sent'} over ${t.transport}: ${t.src} -> ${t.dst}\n${t.message}${t.message.endsWith('\n') ? '' : '\n'}`).join('\n');
}

async function recorded(path: string): Promise<Buffer | undefined> {
  try {
    const bytes = await readFile(path);
    // A pcap shorter than its global header is no recording (a file just opened).
    return bytes.length > 24 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

export async function buildBundle(record: CallRecord, ports: BundlePorts, options: BundleOptions): Promise<Bundle> {
  const dir = `trunkline-bundle-${record.call_sid}/`;
  const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  const madeAt = isoSeconds(options.now);
  const view = record.trunk_sid ? await ports.trunkBySid(record.trunk_sid) : undefined;
  // Another account's trunk never enters a bundle, even if a record names it.
  const trunk = view && view.trunk.account_sid === record.account_sid ? trunkSnapshot(view, record, madeAt) : null;
  const preflight = trunk && record.account_sid ? await ports.latestPreflight(record.account_sid, trunk.trunk_sid) : undefined;
  const pcapBytes = await recorded(ports.pcapPath(record.call_sid));
  const pcapFile = pcapBytes ? `capture/${record.call_sid}.pcap` : `capture/${record.call_sid}.rebuilt-from-trace.pcap`;

  const files: [string, Buffer][] = [];
  const add = (name: string, data: string | Buffer) => files.push([name, typeof data === 'string' ? Buffer.from(data, 'utf8') : data]);
  // Messages are latin1 strings of their bytes: written back as latin1, the files hold the bytes that crossed the wire.
  add('sip/ladder.txt', Buffer.from(ports.renderLadder(record.trace), 'latin1'));
  add('sip/messages.txt', Buffer.from(rawMessages(record.trace), 'latin1'));
  add('sip/trace.json', `${JSON.stringify(record.trace, null, 2)}\n`);
  add(pcapFile, pcapBytes ?? pcapFromTrace(record.trace));
  add('media/stats.json', `${JSON.stringify(record.media ?? null, null, 2)}\n`);
  add('call/events.txt', record.events.map((e) => `${e.at}  ${e.kind.padEnd(12)} ${e.detail}`).join('\n') + '\n');
  if (trunk) add('trunk/config.json', `${JSON.stringify(trunk, null, 2)}\n`);
  if (preflight) add('preflight/latest.json', `${JSON.stringify({ id: preflight.id, created_at: preflight.created_at, ok: preflight.ok, report: preflight.report }, null, 2)}\n`);

  const { findings, events, trace: _trace, media, ...call } = record;
  const summary: BundleSummary = {
    bundle_version: 1,
    made_at: madeAt,
    ticket: {
      trunk_sid: record.trunk_sid, call_sid: record.call_sid, direction: record.direction,
      sip_response_code: record.final_code, sip_response_reason: record.final_reason, final_by: record.final_by,
      start_time: record.started_at, start_time_local: localIso(Date.parse(record.started_at), timeZone), time_zone: timeZone,
    },
    call, findings, events, media: media ?? null,
    pcap: { file: pcapFile, rebuilt: !pcapBytes, note: pcapBytes ? 'recorded by the edge: both legs, RTP/RTCP and SIP' : 'the call was not recorded: SIP only, rebuilt from the stored trace (each message as a UDP datagram between the addresses it crossed)' },
    trunk,
    preflight: preflight ? { file: 'preflight/latest.json', id: preflight.id, created_at: preflight.created_at, ok: preflight.ok, counts: preflightCounts(preflight) } : null,
    files: ['summary.txt', 'summary.json', ...files.map(([n]) => n)],
  };
  const mtime = options.now;
  const entries: TarEntry[] = [{ name: dir, mtime }];
  const dirs = new Set(files.map(([n]) => n.split('/').slice(0, -1).join('/')).filter((d) => d !== ''));
  for (const d of dirs) entries.push({ name: `${dir}${d}/`, mtime });
  entries.push({ name: `${dir}summary.txt`, data: Buffer.from(summaryText(summary), 'utf8'), mtime });
  entries.push({ name: `${dir}summary.json`, data: Buffer.from(`${JSON.stringify(summary, null, 2)}\n`, 'utf8'), mtime });
  for (const [name, data] of files) entries.push({ name: `${dir}${name}`, data, mtime });
  return { fileName: `trunkline-bundle-${record.call_sid}.tar.gz`, bytes: await tarGz(entries), summary };
}
