import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './serve.js';
import { findPeer } from '../../support/peers.js';

export const KAMAILIO = findPeer('kamailio') ?? 'kamailio';
export const hasKamailio = KAMAILIO.startsWith('/');
const MODULES = ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules', '/usr/lib64/kamailio/modules'].find((d) => existsSync(d));

/** A free UDP port on 127.0.0.1 (bound and released; a race with another process is possible but rare). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export interface RunningKamailio {
  readonly port: number;
  readonly child: ChildProcess;
  log(): string;
  waitForLog(pattern: RegExp, ms: number): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Kamailio 5.6 in the foreground (-DD -E) with a generated minimal config: UDP on 127.0.0.1,
 * the keepalive module pinging `target` with OPTIONS every second (its dst-up event is logged),
 * and every request relayed statefully (tm t_relay) to `target`.
 */
export async function startKamailio(target: { address: string; port: number }): Promise<RunningKamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'siptx-kamailio-'));
  const port = await freeUdpPort();
  const dest = `sip:${target.address}:${target.port}`;
  const cfg = `#!KAMAILIO
debug=2
log_stderror=yes
children=1
disable_tcp=yes
auto_aliases=no
listen=udp:127.0.0.1:${port}
${MODULES ? `mpath="${MODULES}/"` : ''}
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "textops.so"
loadmodule "keepalive.so"
modparam("keepalive", "ping_interval", 1)
modparam("keepalive", "destination", "${dest}")
request_route {
  if (is_method("ACK") && !t_check_trans()) { exit; }
  $du = "${dest}";
  if (!t_relay()) { sl_reply_error(); }
  exit;
}
event_route[keepalive:dst-up] {
  xlog("L_NOTICE", "SIPTX-KEEPALIVE-UP $ru\\n");
}
event_route[keepalive:dst-down] {
  xlog("L_NOTICE", "SIPTX-KEEPALIVE-DOWN $ru\\n");
}
`;
  writeFileSync(join(dir, 'kamailio.cfg'), cfg);
  const child = spawn(KAMAILIO, ['-f', join(dir, 'kamailio.cfg'), '-DD', '-E', '-m', '32', '-M', '8', '-Y', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    log += d.toString();
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const waitForLog = (pattern: RegExp, ms: number) => new Promise<boolean>((resolve) => {
    if (pattern.test(log)) return resolve(true);
    const timer = setTimeout(() => { waiters.delete(check); resolve(false); }, ms);
    const check = () => { if (pattern.test(log)) { clearTimeout(timer); waiters.delete(check); resolve(true); } };
    waiters.add(check);
  });
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  if (!(await waitForLog(/Listening on|udp: 127\.0\.0\.1/, 10_000))) {
    await stop();
    throw new Error(`kamailio did not start: ${log.slice(-2000)}`);
  }
  return { port, child, log: () => log, waitForLog, stop };
}
