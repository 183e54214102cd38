// `trunkline bundle CALL_SID [--out FILE] [--data-dir DIR | --db URL]` (SPEC §6, guide §10): the
// operator's side — reads the store directly and writes the same archive as
// GET /v2/accounts/{sid}/calls/{call_sid}/bundle. Thin: the archive is src/bundle's.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { badConfig, storeLocation } from '../../app/index.js';
import { buildBundle } from '../../bundle/index.js';
import { TrunklineError, systemClock } from '../../core/index.js';
import { renderLadder } from '../../edge/index.js';
import { CallsRepo, createRepos, openStore, type CallsDatabase } from '../../store/index.js';
import { envOption } from '../env-option.js';
import { EXIT_OK } from '../exit-codes.js';

interface BundleFlags {
  readonly out?: string;
  readonly dataDir: string;
  readonly db?: string;
  readonly tz?: string;
  readonly json?: boolean;
}

export async function runBundle(callSid: string, flags: BundleFlags): Promise<number> {
  const dataDir = resolve(flags.dataDir);
  if (flags.tz) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: flags.tz });
    } catch {
      throw badConfig('tz', 'must be an IANA time zone such as Asia/Kolkata or UTC', flags.tz);
    }
  }
  const store = await openStore(storeLocation(dataDir, flags.db));
  try {
    await store.migrate();
    const repos = createRepos(store.db, systemClock);
    const record = await new CallsRepo(store.db as unknown as Kysely<CallsDatabase>).getBySid(callSid);
    if (!record) throw new TrunklineError('BUNDLE_CALL_NOT_FOUND', `no call ${callSid} in the store at ${flags.db ?? dataDir} (call sids are in X-Trunkline-Call-Sid and GET …/calls)`);
    const bundle = await buildBundle(record, {
      trunkBySid: (sid) => repos.read.trunkBySid(sid),
      latestPreflight: (account, trunk) => repos.preflightResults.latestForTrunk(account, trunk),
      pcapPath: (sid) => join(dataDir, 'recordings', `${sid}.pcap`),
      renderLadder,
    }, { now: Date.now(), ...(flags.tz ? { timeZone: flags.tz } : {}) });
    const out = flags.out ?? bundle.fileName;
    if (out === '-') process.stdout.write(bundle.bytes);
    else writeFileSync(out, bundle.bytes);
    const t = bundle.summary.ticket;
    const report = flags.json
      ? `${JSON.stringify({ file: out, bytes: bundle.bytes.length, ...bundle.summary }, null, 2)}\n`
      : `wrote ${out} (${bundle.bytes.length} bytes): trunk ${t.trunk_sid ?? '-'}, call ${t.call_sid}, ${t.direction}, SIP ${t.sip_response_code ?? 'no final response'}, started ${t.start_time_local} (${t.time_zone}), ${bundle.summary.findings.length} findings, ${bundle.summary.pcap.file}${bundle.summary.preflight ? ', preflight included' : ''}\n`;
    (out === '-' ? process.stderr : process.stdout).write(report);
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  program
    .command('bundle')
    .description('write one call\'s support bundle (.tar.gz): summary with the ticket fields and findings, SIP trace, pcap, media stats, trunk configuration without secrets, latest preflight')
    .argument('<call_sid>', 'the call sid (X-Trunkline-Call-Sid, GET …/calls)')
    .addOption(envOption('--out <file>', 'where to write it (default trunkline-bundle-<call_sid>.tar.gz; - for stdout)'))
    .addOption(envOption('--data-dir <dir>', 'data directory of the store and recordings/').default('./data'))
    .addOption(envOption('--db <url>', 'postgres://… URL instead of the SQLite store (recordings still under --data-dir)'))
    .addOption(envOption('--tz <zone>', 'IANA time zone for the local start time (default this host\'s)'))
    .option('--json', 'print the bundle\'s summary as JSON')
    .action(async (callSid: string, flags: BundleFlags) => {
      process.exitCode = await runBundle(callSid, flags);
    });
}
