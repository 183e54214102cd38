import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../support/serve.js';
import { freeUdpPort } from '../support/kamailio.js';
import { findPeer, peerSkip } from '../../support/peers.js';

// Issue 7 item 8: a real softphone (baresip 1.0, Debian) calls the PSTN simulator's echo
// number through `trunkline serve`, plays a 440 Hz tone from a WAV (aufile source) and records
// what it hears (sndfile filter, decode side). The relay anchors the call both ways.
const BARESIP = findPeer('baresip') ?? 'baresip';
const skip = peerSkip('baresip') || (existsSync('/usr/lib/baresip/modules/aufile.so') && existsSync('/usr/lib/baresip/modules/sndfile.so') ? false : 'baresip\'s aufile and sndfile modules are missing (Debian package baresip)');
const CALLER = '+919876541111';

/** 16-bit mono PCM WAV, 8 kHz: a 440 Hz tone at about -12 dBFS for `seconds`. */
function toneWav(seconds: number): Buffer {
  const n = 8000 * seconds;
  const wav = Buffer.alloc(44 + n * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + n * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(8000, 24);
  wav.writeUInt32LE(16000, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), 44 + i * 2);
  return wav;
}

/** Samples of a 16-bit PCM WAV (the data chunk, wherever it is). */
function wavSamples(buf: Buffer): Int16Array {
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'data') {
      const end = Math.min(buf.length, off + 8 + size);
      const out = new Int16Array(Math.floor((end - off - 8) / 2));
      for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(off + 8 + i * 2);
      return out;
    }
    off += 8 + size + (size & 1);
  }
  return new Int16Array(0);
}


test('baresip calls the echo number (…0000) through the edge, plays a 440 Hz WAV and hears it back: relay counters show both directions, the received audio is not silence', { skip }, async (t) => {
  const s = await serve(['--rtp-ports', '30000-30999']);
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-baresip-'));
  try {
    const trunk = await s.api<{ trunk_sid: string; domain_name: string }>('POST', `/v2/accounts/${s.account}/trunks`, { trunk_name: 'softphone', nso_code: 'ANY-ANY', domain_name: `${s.account}.pstn.localhost` });
    assert.equal(trunk.status, 200, JSON.stringify(trunk.json));
    const { trunk_sid: trunkSid, domain_name: domain } = trunk.json.response.data;
    assert.equal((await s.api('POST', `/v2/accounts/${s.account}/trunks/${trunkSid}/whitelisted-ips`, { ip: '127.0.0.1', mask: 32 })).status, 200);
    assert.equal((await s.api('POST', `/v2/accounts/${s.account}/trunks/${trunkSid}/phone-numbers`, { phone_number: CALLER, mode: 'pstn' })).status, 200);

    writeFileSync(join(dir, 'tone.wav'), toneWav(3));
    // Headless baresip 1.0: no stdio/cons UI; `account` loads the accounts file, `menu` runs -e /dial.
    // The aubridge player is a sink with no sound card; sndfile dumps what was decoded (…-dec.wav).
    writeFileSync(join(dir, 'config'), [
      'poll_method epoll', `sip_listen 127.0.0.1:${await freeUdpPort('127.0.0.1')}`, 'module_path /usr/lib/baresip/modules',
      'module g711.so', 'module aufile.so', 'module sndfile.so', 'module aubridge.so', 'module_app account.so', 'module_app menu.so',
      `audio_source aufile,${join(dir, 'tone.wav')}`, 'audio_player aubridge,sink', 'audio_alert aubridge,sink', `snd_path ${dir}`,
      'rtp_ports 41000-41999', '',
    ].join('\n'));
    writeFileSync(join(dir, 'accounts'), `<sip:${CALLER}@${domain};transport=udp>;regint=0;audio_codecs=PCMA;outbound="sip:127.0.0.1:${s.sip};transport=udp"\n`);
    writeFileSync(join(dir, 'contacts'), '');

    // The call ends when the 3 s file runs out (baresip hangs up at end of file); -t bounds it anyway.
    const child = spawn(BARESIP, ['-f', dir, '-t', '7', '-e', `/dial sip:+919876540000@${domain}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await once(child, 'exit');
    clearTimeout(kill);
    assert.match(log, /Call established/, log.slice(-2000));

    const deadline = Date.now() + 8000;
    type Dir = { packets: number };
    let call: { status: string; media: { directions: { customer_to_carrier: Dir; carrier_to_customer: Dir } } | null } | undefined;
    while (Date.now() < deadline) {
      const list = await s.api<never>('GET', `/v2/accounts/${s.account}/calls`);
      const items = (list.json.response as unknown as { data: typeof call }[]).map((r) => r.data);
      const done = items.find((c) => c?.status === 'completed') as { call_sid: string } | undefined;
      if (done) {
        // The list leaves media out; the call itself has the relay's counters.
        call = (await s.api<NonNullable<typeof call>>('GET', `/v2/accounts/${s.account}/calls/${done.call_sid}`)).json.response.data;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(call?.media, `a completed call with media stats; calls: ${JSON.stringify(call)}; baresip said: ${log.replace(/\[\d:]+\] audio=[^ ]* *\(bit\/s\) */g, "").slice(-2500)}`);
    const d = call.media.directions;
    // 3 s of 20 ms frames is 150 packets each way; the first and last few may fall outside the dialog.
    assert.ok(d.customer_to_carrier.packets >= 100, `customer→carrier ${d.customer_to_carrier.packets}`);
    assert.ok(d.carrier_to_customer.packets >= 100, `carrier→customer ${d.carrier_to_customer.packets}`);

    const dump = readdirSync(dir).find((f) => f.endsWith('-dec.wav'));
    assert.ok(dump, `baresip's sndfile dump of received audio: ${readdirSync(dir).join(', ')}`);
    const pcm = wavSamples(readFileSync(join(dir, dump)));
    assert.ok(pcm.length >= 8000, `at least 1 s received, got ${pcm.length} samples`);
    let energy = 0;
    let loud = 0;
    let crossings = 0;
    for (let i = 0; i < pcm.length; i++) {
      energy += pcm[i] * pcm[i];
      if (Math.abs(pcm[i]) > 1000) loud++;
      if (i > 0 && (pcm[i - 1] < 0) !== (pcm[i] < 0) && Math.abs(pcm[i] - pcm[i - 1]) > 500) crossings++;
    }
    const rmsDbfs = 10 * Math.log10(energy / pcm.length / 32768 ** 2);
    // -50 dBFS is the relay's silence line; A-law round trips keep a -12 dBFS tone far above it.
    assert.ok(rmsDbfs > -40, `received audio RMS ${rmsDbfs.toFixed(1)} dBFS is silence`);
    assert.ok(loud > pcm.length / 4, `loud samples ${loud} of ${pcm.length}`);
    // A 440 Hz tone crosses zero 880 times a second: what came back is the tone, not noise.
    const rate = crossings / (loud / 8000);
    t.diagnostic(`relay packets ${d.customer_to_carrier.packets} customer→carrier, ${d.carrier_to_customer.packets} carrier→customer; received ${pcm.length} samples at ${rmsDbfs.toFixed(1)} dBFS, ${rate.toFixed(0)} zero crossings/s`);
    assert.ok(rate > 600 && rate < 1200, `zero crossings per second of audio ${rate.toFixed(0)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await s.stop();
  }
});
