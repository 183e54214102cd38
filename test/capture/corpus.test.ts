// Every real capture in ../shared/corpus/pcaps is read without a crash or a silent drop, and,
// when tshark is installed, file by file the SIP messages and RTP/RTCP packets we find match
// what tshark finds. tshark is run in a comparable mode (see TSHARK_ARGS), and each remaining
// principled difference is asserted explicitly with its reason below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyzeCaptureFile, type CaptureResult } from '../../src/capture/index.js';
import type { RtpStreamSnapshot } from '../../src/rtp/index.js';

const CORPUS = resolve(process.cwd(), '../shared/corpus/pcaps');
const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => /\.pcap(ng)?$/.test(f)).sort() : [];

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const tshark = hasTshark();

/**
 * tshark in the mode that answers our question (SIP and SDP-announced RTP as a VoIP tool sees them):
 * - STUN disabled: with ICE, tshark hands an RTP 5-tuple to STUN after the first binding request
 *   and stops calling the rest RTP; we demultiplex per RFC 7983, so RTP stays RTP.
 * - RTCP heuristics off: tshark would otherwise call any UDP that looks like RTCP "rtcp" even
 *   with no SDP (e.g. SRTCP of a TLS-signalled call); we read RTCP on the SDP's port + 1 only.
 */
const TSHARK_ARGS = ['-n', '--disable-protocol', 'stun', '-o', 'rtcp.heuristic_rtcp:FALSE'];

/** Per-file tshark options, each with its reason. */
const DECODE_AS: Record<string, { args: string[]; reason: string }> = {
  'heplify__sip_ipv4_tcp_fragmented.pcap': {
    args: ['-d', 'tcp.port==6060,sip'],
    reason: 'SIP on TCP port 6060, inside X11\'s registered range (6000-6063): tshark decodes X11 by port; we find SIP by its start line on any port',
  },
};

interface TsharkCounts {
  frames: number;
  sip: number;
  rtp: number;
  rtcp: number;
  /** Frames tshark calls malformed T.38 (a port another protocol's SDP declared image/udptl). */
  t38Malformed: number;
  /** RTP whose tshark "setup frame" is not a SIP frame (set up by MGCP/Megaco SDP). */
  rtpNotSetUpBySip: number;
  /** tshark -z rtp,streams, keyed "src>dst>ssrc". */
  streams: [string, TsharkStream][];
}

interface TsharkStream {
  packets: number;
  lost: number;
  maxJitterMs: number;
}

const STREAM_LINE = /^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+.+?\s+(\d+)\s+(-?\d+) \([-\d.]+%\)\s+-?[\d.]+\s+-?[\d.]+\s+-?[\d.]+\s+-?[\d.]+\s+-?[\d.]+\s+(-?[\d.]+)/;

function parseStreams(stdout: string): [string, TsharkStream][] {
  const ep = (ip: string, port: string): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  const rows: [string, TsharkStream][] = [];
  for (const line of stdout.split('\n')) {
    const m = STREAM_LINE.exec(line);
    if (m) rows.push([`${ep(m[1], m[2])}>${ep(m[3], m[4])}>${parseInt(m[5], 16)}`, { packets: Number(m[6]), lost: Number(m[7]), maxJitterMs: Number(m[8]) }]);
  }
  return rows;
}

function runTshark(file: string, extra: string[]): Promise<TsharkCounts> {
  const path = join(CORPUS, file);
  const st = statSync(path);
  const cacheDir = join(tmpdir(), 'trunkline-tshark-cache');
  const key = createHash('sha1').update(JSON.stringify([file, st.size, st.mtimeMs, TSHARK_ARGS, extra, 4])).digest('hex');
  const cached = join(cacheDir, `${key}.json`);
  if (existsSync(cached)) return Promise.resolve(JSON.parse(readFileSync(cached, 'utf8')) as TsharkCounts);
  const args = [
    '-r', path, ...TSHARK_ARGS, ...extra, '-T', 'fields',
    '-e', 'frame.number', '-e', 'frame.protocols', '-e', 'rtp.version', '-e', 'rtp.setup-frame',
    '-e', 'sip.Request-Line', '-e', 'sip.Status-Line', '-e', '_ws.malformed', '-E', 'occurrence=a', '-E', 'aggregator=\u0001',
    // The per-stream statistics come in the same pass, after the per-frame rows.
    '-z', 'rtp,streams',
  ];
  return new Promise((done, fail) => {
    execFile('tshark', args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout) => {
      if (err) return fail(err);
      const rows = stdout.split('\n').filter((l) => /^\d+\t/.test(l)).map((l) => l.split('\t'));
      const sipFrames = new Set<string>();
      const c: TsharkCounts = { frames: rows.length, sip: 0, rtp: 0, rtcp: 0, t38Malformed: 0, rtpNotSetUpBySip: 0, streams: parseStreams(stdout) };
      for (const [num, protos, , , req, status] of rows) {
        // A packet quoted inside an ICMP error was not delivered: neither side counts it.
        if (/:icmp(v6)?:/.test(protos)) continue;
        const n = (s: string | undefined): number => (s ? s.split('\u0001').filter((x) => x.length > 0).length : 0);
        const sip = n(req) + n(status);
        if (sip > 0) sipFrames.add(num);
        c.sip += sip;
      }
      for (const [, protos, version, setup, , , malformed] of rows) {
        if (/:icmp(v6)?:/.test(protos)) continue;
        if (/:rtcp(:|$)/.test(protos)) c.rtcp++;
        if (/:t38(:|$)/.test(protos) && malformed) c.t38Malformed++;
        if (!/:rtp(:|$)/.test(protos) || version.split('\u0001')[0] !== '2') continue;
        c.rtp++;
        if (setup && !sipFrames.has(setup.split('\u0001')[0])) c.rtpNotSetUpBySip++;
      }
      mkdirSync(cacheDir, { recursive: true });
      writeFileSync(cached, JSON.stringify(c));
      done(c);
    });
  });
}

/** Differences that remain, file by file, with the reason; everything else must match exactly. */
const EXPECTED_RTP_DIFFERENCE: Record<string, { ours: (t: TsharkCounts) => number; reason: string }> = {
  'heplify__rtp_rtcp_sip_ipv4_udp.pcap': {
    ours: (t) => t.rtp - t.rtpNotSetUpBySip,
    reason: 'RTP set up by an MGCP CRCX with SDP (not SIP) before any SIP message announced the port: we read SIP only',
  },
  'heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap': {
    ours: (t) => t.rtp + t.t38Malformed,
    reason:
      'a later Megaco (H.248) SDP declares the port image/udptl, so tshark decodes the RTP that keeps flowing as (malformed) T.38; the last SIP SDP says RTP/AVP and the packets are RTP v2',
  },
};

const results = new Map<string, CaptureResult>();

test('every corpus capture is read to its end without a crash or a silent drop', { skip: files.length === 0 ? 'corpus not present' : false }, async () => {
  assert.ok(files.length >= 50, `expected the 53 corpus captures, found ${files.length}`);
  for (const f of files) {
    const r = await analyzeCaptureFile(join(CORPUS, f));
    results.set(f, r);
    assert.deepEqual(r.errors.map((e) => e.message), [], f);
    const s = r.summary;
    assert.equal(s.files.length, 1);
    assert.ok(s.packets > 0, `${f}: no packets`);
    assert.equal(s.bytes > 0, true);
    // Nothing was read and thrown away: every SIP message is in a call (or said why not).
    const inCalls = r.calls.reduce((n, c) => n + c.messages.length, 0);
    const withoutCallId = s.unreadable.find((u) => u.reason.startsWith('SIP message without Call-ID'))?.count ?? 0;
    assert.equal(inCalls + withoutCallId, s.sipMessages, `${f}: SIP messages lost between reading and calls`);
    // A stream shared by the two legs of a B2BUA is listed on both calls: count each stream once.
    const distinct = new Map(r.calls.flatMap((c) => c.streams.map((st) => [`${st.src}>${st.dst}>${st.ssrc}`, st.packets] as const)));
    const inStreams = [...distinct.values()].reduce((n, p) => n + p, 0);
    assert.equal(inStreams, s.rtpPackets, `${f}: RTP packets lost between reading and streams`);
    assert.equal(s.unreadable.some((u) => u.reason === 'internal dissector error'), false, `${f}: ${JSON.stringify(s.unreadable)}`);
  }
});

test('file by file, the SIP messages, RTP and RTCP packets found match tshark', { skip: !tshark ? 'tshark not installed' : files.length === 0 ? 'corpus not present' : false }, async () => {
  const queue = [...files];
  const counts = new Map<string, TsharkCounts>();
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) counts.set(f, await runTshark(f, DECODE_AS[f]?.args ?? []));
  };
  await Promise.all([worker(), worker(), worker()]);
  const problems: string[] = [];
  const table: string[] = [];
  for (const f of files) {
    const r = results.get(f) ?? (await analyzeCaptureFile(join(CORPUS, f)));
    const t = counts.get(f);
    assert.ok(t, f);
    const s = r.summary;
    const wantRtp = EXPECTED_RTP_DIFFERENCE[f]?.ours(t) ?? t.rtp;
    table.push(`${f}: frames ${s.packets}/${t.frames} sip ${s.sipMessages}/${t.sip} rtp ${s.rtpPackets}/${t.rtp}${wantRtp !== t.rtp ? ` (expected ${wantRtp}: ${EXPECTED_RTP_DIFFERENCE[f]?.reason})` : ''} rtcp ${s.rtcpPackets}/${t.rtcp}`);
    if (s.packets !== t.frames) problems.push(`${f}: ${s.packets} frames, tshark ${t.frames}`);
    if (s.sipMessages !== t.sip) problems.push(`${f}: ${s.sipMessages} SIP messages, tshark ${t.sip}`);
    if (s.rtpPackets !== wantRtp) problems.push(`${f}: ${s.rtpPackets} RTP packets, expected ${wantRtp} (tshark ${t.rtp})`);
    if (s.rtcpPackets !== t.rtcp) problems.push(`${f}: ${s.rtcpPackets} RTCP packets, tshark ${t.rtcp}`);
  }
  if (process.env['TRUNKLINE_CORPUS_TABLE']) console.log(table.join('\n'));
  assert.deepEqual(problems, []);
});

test('what neither reader can see is said plainly: SIP over TLS is counted as TLS, not dropped', { skip: files.length === 0 ? 'corpus not present' : false }, async () => {
  for (const f of ['sngrep__tlssaved.pcap', 'voipshark__SIP-over-TLS-RTP-Normal_Call_two_parties.pcap']) {
    const r = results.get(f) ?? (await analyzeCaptureFile(join(CORPUS, f)));
    const tls = r.summary.unreadable.find((u) => u.reason === 'TLS');
    assert.ok(tls && tls.count > 0, `${f}: ${JSON.stringify(r.summary.unreadable)}`);
    assert.equal(r.summary.sipMessages, 0);
    // The calls' RTP is in the clear: it is reported as RTP whose signaling could not be read.
    assert.equal(r.summary.rtpWithoutSignaling.streams > 0, f.startsWith('voipshark'), f);
  }
});

/** Streams whose packets tshark (rightly or not) did not call RTP: see EXPECTED_RTP_DIFFERENCE. */
const STREAM_COUNT_EXCEPTIONS = new Set(Object.keys(EXPECTED_RTP_DIFFERENCE));

test('RTP streams match tshark\'s rtp,streams: packets, RFC 3550 loss and interarrival jitter', { skip: !tshark ? 'tshark not installed' : files.length === 0 ? 'corpus not present' : false }, async () => {
  const problems: string[] = [];
  let compared = 0;
  let jitterCompared = 0;
  for (const f of files) {
    const r = results.get(f) ?? (await analyzeCaptureFile(join(CORPUS, f)));
    if (r.summary.rtpPackets === 0 || STREAM_COUNT_EXCEPTIONS.has(f)) continue;
    const theirs = new Map((await runTshark(f, DECODE_AS[f]?.args ?? [])).streams);
    const ours = new Map<string, RtpStreamSnapshot>(r.calls.flatMap((c) => c.streams.map((s): [string, RtpStreamSnapshot] => [`${s.src}>${s.dst}>${s.ssrc}`, s])));
    if (theirs.size !== ours.size) problems.push(`${f}: ${ours.size} streams, tshark ${theirs.size}`);
    for (const [key, t] of theirs) {
      const s = ours.get(key);
      if (s === undefined) {
        problems.push(`${f}: tshark stream ${key} not found`);
        continue;
      }
      compared++;
      if (s.packets !== t.packets) problems.push(`${f} ${key}: ${s.packets} packets, tshark ${t.packets}`);
      // tshark reports RFC 3550 A.3 literally, expected − received with duplicates counted as
      // received (so RFC 4733 event packets sent three times make loss negative). We count
      // duplicates apart: our loss is tshark's plus the duplicates (never negative).
      if (s.lost !== Math.max(0, t.lost + s.duplicates)) problems.push(`${f} ${key}: lost ${s.lost} (dup ${s.duplicates}), tshark ${t.lost}`);
      // …and cumulativeLost is the literal figure: it must be tshark's to the packet, negative included.
      if (s.cumulativeLost !== t.lost) problems.push(`${f} ${key}: cumulativeLost ${s.cumulativeLost}, tshark ${t.lost}`);
      // tshark also runs A.8 over duplicates and over RFC 4733 telephone-event packets (whose
      // timestamp stands still during an event); we run it once per sequence number on the
      // voice payload type. Where neither happens the figures must agree.
      if (s.duplicates === 0 && s.payloadTypes.length === 1) {
        jitterCompared++;
        if (Math.abs(s.maxJitterMs - t.maxJitterMs) > 0.01) problems.push(`${f} ${key}: max jitter ${s.maxJitterMs} ms, tshark ${t.maxJitterMs}`);
      }
    }
  }
  assert.ok(compared >= 30, `only ${compared} streams compared`);
  assert.ok(jitterCompared >= 20, `only ${jitterCompared} jitter figures compared`);
  assert.deepEqual(problems, []);
});
