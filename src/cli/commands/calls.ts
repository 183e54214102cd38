import type { Command } from 'commander';
import { resolve } from 'node:path';
import { findCall, listCalls, storeLocation } from '../../app/index.js';
import { renderLadder } from '../../edge/index.js';
import type { CallRecord } from '../../store/index.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { envOption } from '../env-option.js';

interface StoreOptions {
  readonly dataDir: string;
  readonly db?: string;
  readonly json?: boolean;
}

/** `trunkline calls show SID` and `trunkline calls list`: operator-level reads of any call record. */
export function register(program: Command): void {
  const calls = program.command('calls').description('read call records straight from the store (any account)');
  const storeFlags = (c: Command) => c
    .addOption(envOption('--data-dir <dir>', 'data directory of the SQLite store').default('./data'))
    .addOption(envOption('--db <url>', 'postgres://… URL instead of the SQLite store'))
    .addOption(envOption('--json', 'print the record(s) as JSON'));
  storeFlags(calls.command('show').description('one call: record, findings, events and its SIP ladder').argument('<call_sid>', 'the X-Trunkline-Call-Sid of the call'))
    .action(async (sid: string, opts: StoreOptions) => {
      const record = await findCall(storeLocation(resolve(opts.dataDir), opts.db), sid);
      if (!record) {
        process.stderr.write(`trunkline: no call ${sid} in the store\n`);
        process.exitCode = EXIT_FAILURE;
        return;
      }
      process.stdout.write(opts.json ? `${JSON.stringify(record)}\n` : showText(record));
    });
  storeFlags(calls.command('list').description('the newest calls, one line each'))
    .addOption(envOption('--limit <n>', 'how many (1–1000)').default('20'))
    .addOption(envOption('--account <sid>', 'only this account\'s calls'))
    .action(async (opts: StoreOptions & { limit?: string; account?: string }) => {
      const records = await listCalls(storeLocation(resolve(opts.dataDir), opts.db), { ...(opts.limit ? { limit: opts.limit } : {}), ...(opts.account ? { account: opts.account } : {}) });
      if (opts.json) process.stdout.write(`${JSON.stringify(records.map(({ trace: _t, events: _e, ...rest }) => rest))}\n`);
      else for (const r of records) process.stdout.write(`${listLine(r)}\n`);
    });
}

function listLine(r: CallRecord): string {
  const code = r.final_code === null ? r.status : `${r.final_code} ${r.final_reason ?? ''}`.trim();
  return [r.started_at, r.call_sid, r.account_sid ?? '-', r.direction, `${r.from || '?'} → ${r.to || '?'}`, code, r.findings[0]?.id ?? ''].join('  ').trimEnd();
}

function showText(r: CallRecord): string {
  const lines = [
    `call ${r.call_sid}  ${r.direction}  ${r.status}`,
    `  account ${r.account_sid ?? '(none: the edge could not tie it to an account)'}  trunk ${r.trunk_sid ?? '-'}`,
    `  ${r.from || '?'} → ${r.to || '?'} from ${r.source_address} over ${r.transport}, SIP Call-ID ${r.sip_call_id}`,
    `  started ${r.started_at}${r.answered_at ? `, answered ${r.answered_at}` : ''}${r.ended_at ? `, ended ${r.ended_at}` : ''}`,
    `  final ${r.final_code ?? '-'} ${r.final_reason ?? ''} by ${r.final_by ?? '-'}${r.edge_cause ? ` (edge cause ${r.edge_cause})` : ''}`,
    '',
    'findings:',
    ...(r.findings.length ? r.findings.map((f) => `  ${f.id}  ${f.title}`) : ['  none']),
    '',
    'events:',
    ...r.events.map((e) => `  ${e.at}  ${e.kind}  ${e.detail}`),
    '',
    renderLadder(r.trace),
  ];
  return `${lines.join('\n')}\n`;
}
