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
 * With `rtpengineNg` (an rtpengine's ng control port on 127.0.0.1) it is the B2BUA-like setup
 * bench/edge-cps compares with: dialogs tracked (dialog module) and the SDP of INVITE and its
 * answer rewritten by rtpengine (offer/answer), the session deleted on BYE. `sharedMemoryMb`:
 * Kamailio's shared memory pool (-m; its default, 64 MB, runs out under a load test).
 */
export async function startKamailio(o: { host: string; port: number; fromHost: string; fromPort: number; toWhenFrom: string; toOtherwise: string; children?: number; rtpengineNg?: number; sharedMemoryMb?: number }): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const ng = o.rtpengineNg;
  const media = ng === undefined
    ? { modules: '', params: '', inDialog: '', initial: '', replyRoute: '' }
    : {
      modules: 'loadmodule "dialog.so"\nloadmodule "rtpengine.so"\n',
      params: `modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:${ng}")\n`,
      inDialog: 'if (is_method("BYE")) { rtpengine_delete(); }\n    ',
      initial: 'dlg_manage();\n  if (has_body("application/sdp")) { rtpengine_offer("replace-origin replace-session-connection"); }\n  t_on_reply("ANSWER");\n  ',
      replyRoute: 'onreply_route[ANSWER] {\n  if (has_body("application/sdp")) { rtpengine_answer("replace-origin replace-session-connection"); }\n}\n',
    };
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
${media.modules}${media.params}request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { ${media.inDialog}t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  record_route();
  ${media.initial}if ($si == "${o.fromHost}" && $sp == ${o.fromPort}) { $du = "${o.toWhenFrom}"; } else { $du = "${o.toOtherwise}"; }
  t_relay();
}
${media.replyRoute}`;
  writeFileSync(join(dir, 'kamailio.cfg'), cfg);
  const child: ChildProcess = spawn(KAMAILIO ?? 'kamailio', ['-DD', '-E', ...(o.sharedMemoryMb ? ['-m', String(o.sharedMemoryMb)] : []), '-f', join(dir, 'kamailio.cfg'), '-L', MODULES, '-P', join(dir, 'k.pid'), '-Y', dir, '-w', dir], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
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
