import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReport } from '../../src/analyzer/index.js';

// docs/diagnose-json.md is kept true: every field `diagnose --json` emits on our fixtures (and on
// a truncated file, and on edge evidence with a direction) is documented there, and every field
// documented there is emitted by at least one of them.
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const DIR = 'test/fixtures/captures';
/** Objects keyed by data (finding ids, states): their keys are not fields. */
const MAPS = new Set(['summary.states', 'summary.findings']);

function paths(value: unknown, prefix: string, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) paths(v, `${prefix}[]`, out);
    return;
  }
  if (value === null || typeof value !== 'object' || MAPS.has(prefix)) return;
  for (const [k, v] of Object.entries(value)) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.add(p);
    paths(v, p, out);
  }
}

function diagnoseJson(files: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'diagnose', ...files, '--json'], { maxBuffer: 32 << 20, timeout: 30_000 }, (_err, stdout) => {
      try {
        resolve(JSON.parse(stdout));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

test('docs/diagnose-json.md lists exactly the fields diagnose --json emits', async () => {
  const doc = readFileSync('docs/diagnose-json.md', 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `([a-z_[\].]+)` \|/gm)].map((m) => m[1]));
  assert.ok(documented.has('calls[].findings[].fault_domain'));

  const emitted = new Set<string>();
  const fixtures = readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(DIR, f));
  paths(await diagnoseJson(fixtures), '', emitted);
  const dir = mkdtempSync(join(tmpdir(), 'tl-jsondoc-'));
  try {
    const cut = join(dir, 'cut.pcap');
    copyFileSync(join(DIR, 'good-call.pcap'), cut);
    truncateSync(cut, readFileSync(cut).length - 50);
    paths(await diagnoseJson([cut]), '', emitted);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Edge records carry a direction; TLS and RTP without signaling are not in our loopback captures.
  const edge = buildReport(
    {
      calls: [
        { callId: 'e', source: 'edge', direction: 'inbound', messages: [], streams: [] },
        // RTCP (an SR and the report block that echoes it) is not in our loopback captures: SIPp sends none.
        {
          callId: 'r', source: 'capture', messages: [],
          streams: [{ src: '192.0.2.1:4000', dst: '192.0.2.2:4000', ssrc: 7, payloadType: 8, codec: 'PCMA', packets: 100, bytes: 17200, lost: 0, jitterMs: 1, maxGapMs: 20, firstAt: 0, lastAt: 2000, ssrcChanges: 0 }],
          rtcp: [
            { at: 500, src: '192.0.2.1:4001', dst: '192.0.2.2:4001', type: 'SR', ssrc: 7, ntpMiddle: 42, reports: [] },
            { at: 520, src: '192.0.2.2:4001', dst: '192.0.2.1:4001', type: 'RR', ssrc: 8, reports: [{ ssrc: 7, fractionLost: 0, cumulativeLost: 0, jitter: 8, lastSr: 42, delaySinceLastSr: 655 }] },
          ],
        },
      ],
      summary: {
        packets: 0, bytes: 0, sipMessages: 0, rtpPackets: 0, rtcpPackets: 0, calls: 1,
        unreadable: [{ reason: 'TLS', count: 1 }], files: [],
        tcp: { segments: 0, retransmitted: 0, outOfOrder: 0, gaps: 0 }, ipFragments: { fragments: 0, reassembled: 0, incomplete: 0 },
        rtpWithoutSignaling: { streams: 1, packets: 10, largest: [{ src: '192.0.2.1:4000', dst: '192.0.2.2:4000', ssrc: 7, payloadType: 0, packets: 10, firstAt: 0, lastAt: 200 }] },
      },
    },
    { diagnose: () => [] },
  );
  paths(JSON.parse(JSON.stringify(edge)), '', emitted);

  const undocumented = [...emitted].filter((p) => !documented.has(p));
  const neverEmitted = [...documented].filter((p) => !emitted.has(p));
  assert.deepEqual(undocumented, [], 'emitted but not in docs/diagnose-json.md');
  assert.deepEqual(neverEmitted, [], 'documented but never emitted');
});
