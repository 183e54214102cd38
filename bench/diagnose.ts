/**
 * bench/diagnose: `trunkline diagnose --json` on a large capture, against tshark on the same file.
 *
 *   scripts/dev-build.sh analyzer && node .build/analyzer/bench/diagnose.js [--calls N] [--seconds S] [--keep]
 *
 * Generates once (kept in os.tmpdir() between runs) a pcap of ≥ 10 000 calls, each
 * INVITE / 100 / 200 (SDP) / ACK … BYE / 200 with G.711 A-law RTP both ways (20 ms packets), in
 * waves of concurrent calls so that the file is time-ordered as a real capture is. Then it
 * times, one after the other in child processes:
 *   trunkline diagnose FILE --json > /dev/null        (peak RSS from /usr/bin/time -v)
 *   tshark -q -z voip,calls -z rtp,streams -r FILE    (the same work: calls + RTP streams)
 * and prints both times, the ratio and trunkline's peak memory. Run by hand, not in npm test.
 * `--generate-only` writes the capture and stops.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const CALLS = opt('--calls', 10_000);
const SECONDS = opt('--seconds', 2.5); // of RTP per call: 2.5 s × 50 pps × 2 ways × 230 B × 10 000 calls ≈ 575 MB
const WAVE = 500; // concurrent calls
const FILE = join(tmpdir(), `trunkline-bench-diagnose-${CALLS}x${SECONDS}s.pcap`);

// ---- a fast synthetic pcap writer -------------------------------------------------------------
class PcapWriter {
  readonly #fd: number;
  readonly #buf = Buffer.alloc(8 << 20);
  #pos = 0;
  bytes = 0;
  packets = 0;
  constructor(path: string) {
    this.#fd = openSync(path, 'w');
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0); // pcap, microseconds, little-endian
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
    this.#write(h);
  }
  #write(b: Buffer): void {
    if (this.#pos + b.length > this.#buf.length) this.flush();
    b.copy(this.#buf, this.#pos);
    this.#pos += b.length;
    this.bytes += b.length;
  }
  flush(): void {
    if (this.#pos > 0) writeSync(this.#fd, this.#buf, 0, this.#pos);
    this.#pos = 0;
  }
  /** One Ethernet/IPv4/UDP frame; addresses as 32-bit numbers. */
  udp(tsUs: number, src: number, sport: number, dst: number, dport: number, payload: Buffer): void {
    const caplen = 14 + 20 + 8 + payload.length;
    if (this.#pos + 16 + caplen > this.#buf.length) this.flush();
    const b = this.#buf;
    let p = this.#pos;
    b.writeUInt32LE(Math.floor(tsUs / 1e6), p);
    b.writeUInt32LE(tsUs % 1e6, p + 4);
    b.writeUInt32LE(caplen, p + 8);
    b.writeUInt32LE(caplen, p + 12);
    p += 16;
    b.fill(0, p, p + 12);
    b[p + 0] = 0x02;
    b[p + 6] = 0x02;
    b[p + 11] = 1;
    b.writeUInt16BE(0x0800, p + 12);
    p += 14;
    const ip = p;
    b[p] = 0x45;
    b[p + 1] = 0xb8; // DSCP EF, as voice is marked
    b.writeUInt16BE(20 + 8 + payload.length, p + 2);
    b.writeUInt16BE(this.packets & 0xffff, p + 4);
    b.writeUInt16BE(0x4000, p + 6); // DF
    b[p + 8] = 64;
    b[p + 9] = 17;
    b.writeUInt16BE(0, p + 10);
    b.writeUInt32BE(src >>> 0, p + 12);
    b.writeUInt32BE(dst >>> 0, p + 16);
    let sum = 0; // RFC 791 header checksum
    for (let i = 0; i < 20; i += 2) sum += b.readUInt16BE(ip + i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    b.writeUInt16BE(~sum & 0xffff, ip + 10);
    p += 20;
    b.writeUInt16BE(sport, p);
    b.writeUInt16BE(dport, p + 2);
    b.writeUInt16BE(8 + payload.length, p + 4);
    b.writeUInt16BE(0, p + 6); // RFC 768: zero = no checksum
    p += 8;
    payload.copy(b, p);
    this.#pos = p + payload.length;
    this.bytes += 16 + caplen;
    this.packets += 1;
  }
  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}

const ipNum = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
const ipText = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const CALLEE = ipNum(198, 51, 100, 10);

function sip(lines: readonly string[], body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function sdp(ip: string, port: number, sess: number): string {
  return `v=0\r\no=- ${sess} 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\na=sendrecv\r\n`;
}

function generate(path: string): void {
  const w = new PcapWriter(`${path}.part`);
  const rtp = Buffer.alloc(12 + 160, 0xd5); // A-law silence
  const ticks = Math.round(SECONDS * 50);
  let t = Date.UTC(2026, 0, 1) * 1000; // µs
  for (let base = 0; base < CALLS; base += WAVE) {
    const n = Math.min(WAVE, CALLS - base);
    const calls = Array.from({ length: n }, (_, k) => {
      const i = base + k;
      const ip = ipNum(10, 20 + (i >>> 16), (i >>> 8) & 255, i & 255);
      return { i, ip, ipS: ipText(ip), id: `bench-${i}@trunkline`, aPort: 40_000 + 2 * (k % 5000), bPort: 10_000 + 2 * k, ssrcA: 0x10000000 + i, ssrcB: 0x20000000 + i };
    });
    for (const c of calls) {
      const common = (m: string, cseq: number, toTag: boolean): string[] => [
        `Via: SIP/2.0/UDP ${c.ipS}:5060;branch=z9hG4bK${c.i}x${cseq}${m}`,
        `From: <sip:+4420${7000000 + c.i}@${c.ipS}>;tag=a${c.i}`,
        `To: <sip:+3120${5000000 + c.i}@198.51.100.10>${toTag ? `;tag=b${c.i}` : ''}`,
        `Call-ID: ${c.id}`,
        `CSeq: ${cseq} ${m}`,
      ];
      w.udp(t, c.ip, 5060, CALLEE, 5060, sip([`INVITE sip:+3120${5000000 + c.i}@198.51.100.10 SIP/2.0`, ...common('INVITE', 1, false), `Contact: <sip:a@${c.ipS}:5060>`, 'Max-Forwards: 70', 'Content-Type: application/sdp'], sdp(c.ipS, c.aPort, c.i)));
      w.udp(t + 200, CALLEE, 5060, c.ip, 5060, sip(['SIP/2.0 100 Trying', ...common('INVITE', 1, false)]));
      t += 20;
    }
    for (const c of calls) {
      w.udp(t, CALLEE, 5060, c.ip, 5060, sip(['SIP/2.0 200 OK', ...common2(c, 'INVITE', 1), 'Contact: <sip:b@198.51.100.10:5060>', 'Content-Type: application/sdp'], sdp('198.51.100.10', c.bPort, c.i + 1)));
      w.udp(t + 300, c.ip, 5060, CALLEE, 5060, sip([`ACK sip:b@198.51.100.10:5060 SIP/2.0`, ...common2(c, 'ACK', 1)]));
      t += 20;
    }
    for (let k = 0; k < ticks; k++) {
      const tickStart = t;
      for (const c of calls) {
        rtp[0] = 0x80;
        rtp[1] = k === 0 ? 0x88 : 0x08;
        rtp.writeUInt16BE((c.i * 7 + k) & 0xffff, 2);
        rtp.writeUInt32BE((k * 160) >>> 0, 4);
        rtp.writeUInt32BE(c.ssrcA >>> 0, 8);
        w.udp(t, c.ip, c.aPort, CALLEE, c.bPort, rtp);
        rtp.writeUInt32BE(c.ssrcB >>> 0, 8);
        w.udp(t + 5, CALLEE, c.bPort, c.ip, c.aPort, rtp);
        t += 10;
      }
      t = Math.max(t, tickStart + 20_000); // 20 ms packetisation
    }
    for (const c of calls) {
      w.udp(t, c.ip, 5060, CALLEE, 5060, sip([`BYE sip:b@198.51.100.10:5060 SIP/2.0`, ...common2(c, 'BYE', 2)]));
      w.udp(t + 400, CALLEE, 5060, c.ip, 5060, sip(['SIP/2.0 200 OK', ...common2(c, 'BYE', 2)]));
      t += 20;
    }
  }
  w.close();
  renameSync(`${path}.part`, path);
  function common2(c: { i: number; ipS: string; id: string }, m: string, cseq: number): string[] {
    return [
      `Via: SIP/2.0/UDP ${c.ipS}:5060;branch=z9hG4bK${c.i}x${cseq}${m}`,
      `From: <sip:+4420${7000000 + c.i}@${c.ipS}>;tag=a${c.i}`,
      `To: <sip:+3120${5000000 + c.i}@198.51.100.10>;tag=b${c.i}`,
      `Call-ID: ${c.id}`,
      `CSeq: ${cseq} ${m}`,
    ];
  }
}

interface Run {
  readonly seconds: number;
  /** User + system CPU seconds: steadier than wall time on a shared machine. */
  readonly cpuSeconds?: number;
  readonly maxRssMb?: number;
  readonly status: number | null;
  readonly stderr: string;
}

function timed(cmd: string, cmdArgs: readonly string[], stdoutFd?: number): Run {
  const hasTime = existsSync('/usr/bin/time');
  const start = process.hrtime.bigint();
  const stdio: ['ignore', number | 'ignore', 'pipe'] = ['ignore', stdoutFd ?? 'ignore', 'pipe'];
  const r = hasTime
    ? spawnSync('/usr/bin/time', ['-v', cmd, ...cmdArgs], { stdio, maxBuffer: 64 << 20 })
    : spawnSync(cmd, cmdArgs, { stdio, maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const stderr = r.stderr?.toString() ?? '';
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
  return {
    seconds,
    status: r.status,
    stderr,
    ...(rss ? { maxRssMb: Number(rss[1]) / 1024 } : {}),
    ...(user && sys ? { cpuSeconds: Number(user[1]) + Number(sys[1]) } : {}),
  };
}

function main(): void {
  if (!existsSync(FILE)) {
    const t0 = Date.now();
    process.stderr.write(`generating ${FILE} (${CALLS} calls, ${SECONDS}s of RTP each way per call)…\n`);
    generate(FILE);
    process.stderr.write(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  if (args.includes('--generate-only')) return;
  const size = statSync(FILE).size;
  console.log(`capture: ${FILE}, ${(size / 1e6).toFixed(0)} MB, ${CALLS} calls`);
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  // The JSON goes to a file (as a user would redirect it), then is checked: a fast run that read
  // nothing would be no figure at all.
  // Per process: two runs at once (seen here) must not read or delete each other's output.
  const out = join(tmpdir(), `trunkline-bench-diagnose-${process.pid}.json`);
  const fd = openSync(out, 'w');
  const tl = timed(process.execPath, [cli, 'diagnose', FILE, '--json'], fd);
  closeSync(fd);
  if (tl.status !== 0) console.log(`trunkline exited ${tl.status}: ${tl.stderr.split('\n').slice(0, 5).join(' | ')}`);
  const doc = JSON.parse(readFileSync(out, 'utf8')) as { summary: { calls: number; rtp_packets: number; sip_messages: number; streams: number; states: Record<string, number> } };
  const sm = doc.summary;
  console.log(`trunkline diagnose --json: ${tl.seconds.toFixed(1)} s wall, ${tl.cpuSeconds?.toFixed(1) ?? '?'} s CPU, peak RSS ${tl.maxRssMb?.toFixed(0) ?? '?'} MB; read ${sm.calls} calls, ${sm.sip_messages} SIP messages, ${sm.rtp_packets} RTP packets in ${sm.streams} streams, states ${JSON.stringify(sm.states)}; JSON ${(statSync(out).size / 1e6).toFixed(0)} MB`);
  rmSync(out, { force: true });
  const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
  if (!hasTshark) {
    console.log('tshark not installed: no peer figure');
    return;
  }
  // `voip,calls` is a GUI dialog, not a tshark tap, in tshark 4.0 (Debian 12): there the nearest
  // command-line work is `sip,stat` (every SIP message) with `rtp,streams` (every RTP stream).
  const taps = spawnSync('tshark', ['-z', 'help'], { encoding: 'utf8' }).stdout ?? '';
  const callsTap = /^\s*voip,calls\b/m.test(taps) ? 'voip,calls' : 'sip,stat';
  if (callsTap !== 'voip,calls') console.log('tshark has no voip,calls tap here: using -z sip,stat instead');
  const ts = timed('tshark', ['-q', '-z', callsTap, '-z', 'rtp,streams', '-r', FILE]);
  console.log(`tshark -q -z ${callsTap} -z rtp,streams: ${ts.seconds.toFixed(1)} s wall, ${ts.cpuSeconds?.toFixed(1) ?? '?'} s CPU, peak RSS ${ts.maxRssMb?.toFixed(0) ?? '?'} MB${ts.status !== 0 ? ` (exit ${ts.status})` : ''}`);
  const cpuRatio = tl.cpuSeconds !== undefined && ts.cpuSeconds ? `, CPU ${(tl.cpuSeconds / ts.cpuSeconds).toFixed(2)}` : '';
  console.log(`ratio trunkline/tshark: wall ${(tl.seconds / ts.seconds).toFixed(2)}${cpuRatio} (below 1 = trunkline faster); load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`);
}

main();
