import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPeer } from '../../support/peers.js';

const KAMAILIO = findPeer('kamailio');
export const hasKamailio = KAMAILIO !== undefined && spawnSync(KAMAILIO, ['-v'], { stdio: 'ignore' }).status === 0;
const PERL = findPeer('perl');
export const hasNetSip = PERL !== undefined && spawnSync(PERL, ['-MNet::SIP', '-e', '1'], { stdio: 'ignore' }).status === 0;

export async function freeUdpPort(host: string): Promise<number> {
  const s = createSocket('udp4');
  s.bind(0, host);
  await once(s, 'listening');
  const port = s.address().port;
  s.close();
  return port;
}

const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules';

/**
 * Kamailio as a stateful proxy (record_route + t_relay): new requests from fromHost:fromPort
 * go to `toWhenFrom`, all others to `toOtherwise`; in-dialog requests follow Route (loose_route).
 */
export async function startKamailio(o: { host: string; port: number; fromHost: string; fromPort: number; toWhenFrom: string; toOtherwise: string; children?: number }): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-kamailio-'));
  const port = o.port;
  const cfg = `#!KAMAILIO
debug=1
log_stderror=yes
children=${o.children ?? 2}
listen=udp:${o.host}:${port}
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "tmx.so"
loadmodule "textops.so"
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  record_route();
  if ($si == "${o.fromHost}" && $sp == ${o.fromPort}) { $du = "${o.toWhenFrom}"; } else { $du = "${o.toOtherwise}"; }
  t_relay();
}
`;
  writeFileSync(join(dir, 'kamailio.cfg'), cfg);
  const child: ChildProcess = spawn(KAMAILIO ?? 'kamailio', ['-DD', '-E', '-f', join(dir, 'kamailio.cfg'), '-L', MODULES, '-P', join(dir, 'k.pid'), '-Y', dir, '-w', dir], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 5000;
  while (!/INFO|listening|started/.test(log) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode !== null) throw new Error(`kamailio exited: ${log.slice(-2000)}`);
  return {
    port,
    pid: child.pid!,
    async stop() {
      // Kamailio forks worker processes: signal its whole process group (it is the group leader).
      const group = (sig: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, sig);
        } catch {
          // Already gone.
        }
      };
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        group('SIGTERM');
        const t = setTimeout(() => group('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      child.stderr?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
