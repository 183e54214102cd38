/**
 * bench/register (issue 11 item 2): how many registrations per second the edge's registrar takes.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/register.js [--seconds 10] [--pbxs 50]
 *
 * The edge (SIP stack, B2BUA, registrar) runs in this process on 127.0.0.1 with its bindings in
 * a real SQLite store (WAL, as serve has it); `--pbxs` PBXs on raw UDP sockets (127.0.0.2) each
 * register in a loop, every registration being the two transactions a PBX sends: REGISTER →
 * 401 challenge, REGISTER with SHA-256 digest → 200 listing its binding (one atomic store
 * change). Printed: registrations/s, REGISTER transactions/s, and the edge's CPU per
 * registration. No peer here keeps its bindings in SQL with digest, so no ratio is printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, systemClock } from '../src/core/index.js';
import { startSipServer } from '../src/app/sip-server.js';
import { startEdge } from '../src/app/edge.js';
import { createRepos, openStore } from '../src/store/index.js';
import { computeHa1 } from '../src/sip/index.js';
import type { EdgeDirectory, TrunkView } from '../src/edge/index.js';
import { RawUac } from '../test/edge/support/raw-uac.js';
import { RegisterClient } from '../test/edge/support/register-client.js';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : def;
};
const SECONDS = arg('seconds', 10);
const PBXS = arg('pbxs', 50);
const ACCOUNT = 'bench';
const DOMAIN = `${ACCOUNT}.pstn.localhost`;

const dir = mkdtempSync(join(tmpdir(), 'trunkline-bench-register-'));
const store = await openStore({ kind: 'sqlite', file: join(dir, 'trunkline.db') });
await store.migrate();
const repos = createRepos(store.db, systemClock);
await repos.accounts.create(ACCOUNT);
const account = (await repos.accounts.findBySid(ACCOUNT))!;
const made = await repos.trunks.create(account.id, ACCOUNT, { trunk_name: 'bench', nso_code: 'ANY-ANY', domain_name: DOMAIN });

const credentials = Array.from({ length: PBXS }, (_, i) => {
  const user = `pbx${i}`;
  return { username: user, ha1Md5: computeHa1('MD5', user, DOMAIN, `secret-${i}`), ha1Sha256: computeHa1('SHA-256', user, DOMAIN, `secret-${i}`) };
});
const trunk: TrunkView = {
  trunkSid: made.sid, accountSid: ACCOUNT, name: 'bench', domainName: DOMAIN, status: 'active', secureTrunking: false, callsPerMinute: 1e9,
  failoverCodes: [408, 500, 502, 503, 504], whitelist: [], credentials, destinations: [], numbers: [], registrationEnabled: true,
};
const directory: EdgeDirectory = {
  accountByDomain: async (host) => (host === DOMAIN ? ACCOUNT : undefined),
  trunksOfAccount: async () => [trunk],
  trunk: async () => trunk,
  numberByE164: async () => undefined,
};

const sip = await startSipServer({ host: '127.0.0.1', port: 0, tls: null, clock: systemClock, logger: silentLogger });
const edge = await startEdge({
  sipServer: sip, sipHost: '127.0.0.1', sipDomain: 'pstn.localhost', carriers: [], pstnSim: false, directory,
  calls: { save: async () => {}, get: async () => undefined, list: async () => ({ items: [], total: 0 }) } as never,
  clock: systemClock, logger: silentLogger, registrations: repos.registrations,
});

const uacs = await Promise.all(Array.from({ length: PBXS }, () => new RawUac('udp', { host: '127.0.0.1', port: sip.ports.sip }, '127.0.0.2').open()));
let registrations = 0;
let failures = 0;
const cpu0 = process.cpuUsage();
const started = performance.now();
const until = started + SECONDS * 1000;
await Promise.all(uacs.map(async (uac, i) => {
  const client = new RegisterClient(uac, `pbx${i}`, `secret-${i}`, DOMAIN);
  while (performance.now() < until) {
    try {
      const { final } = await client.register({ contacts: [`<sip:pbx${i}@127.0.0.2:${uac.local.port}>`], expires: 600 });
      if (final.status === 200) registrations++;
      else failures++;
    } catch {
      failures++;
    }
  }
}));
const wall = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
const bound = (await repos.registrations.current(made.sid)).length;
console.log(`register: ${PBXS} PBXs, ${wall.toFixed(1)} s: ${(registrations / wall).toFixed(0)} registrations/s (${((2 * registrations) / wall).toFixed(0)} REGISTER transactions/s), ${failures} failed, ${bound} bindings stored`);
console.log(`register: CPU of this process (edge + the PBXs' sockets) ${(((cpu.user + cpu.system) / 1000) / Math.max(1, registrations)).toFixed(2)} ms per registration`);

for (const u of uacs) await u.close();
await edge.stop();
await sip.stop();
await store.close();
rmSync(dir, { recursive: true, force: true });
