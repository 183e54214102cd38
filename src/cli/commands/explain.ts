// `trunkline explain CODE|SYMPTOM [--json]` (SPEC §7): prints the knowledge-base entry for a SIP
// code, an API error code, a media symptom in free words or a finding id. Thin: lookup lives in
// src/diagnosis; this file only formats and picks the exit code.
import type { Command } from 'commander';
import { FAULT_DOMAIN_WORDS, lookup, type ExplainEntry } from '../../diagnosis/index.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';

const DOMAIN_WORDS: Readonly<Record<string, string>> = FAULT_DOMAIN_WORDS;

function guideRow(e: ExplainEntry): string | undefined {
  if (!e.guide) return undefined;
  return Object.values(e.guide)
    .map((v) => (Array.isArray(v) ? v.join(', ') : String(v)))
    .join(' | ');
}

/** Human-readable form: meaning, likely cause, where the fault lies, what to check. */
export function formatExplain(e: ExplainEntry): string {
  const lines = [`${e.title}${e.rfc ? `  (${e.rfc})` : ''}`, ''];
  const field = (label: string, value: string | undefined) => {
    if (value) lines.push(`  ${label.padEnd(17)}${value}`);
  };
  field('Meaning:', e.meaning);
  field('Likely cause:', e.likely_cause === e.meaning ? undefined : e.likely_cause);
  field('Fault lies with:', e.fault_domain ? `${DOMAIN_WORDS[e.fault_domain] ?? e.fault_domain} [${e.fault_domain}]` : undefined);
  field('HTTP status:', e.http_status === undefined ? undefined : String(e.http_status));
  if (e.endpoints?.length) field('Endpoints:', e.endpoints.join(', '));
  if (e.checks.length) {
    lines.push('  What to check:');
    e.checks.forEach((c, i) => lines.push(`    ${i + 1}. ${c}`));
  }
  field('Fix:', e.fix);
  if (e.causes?.length) {
    lines.push('  Causes, most likely first:');
    e.causes.forEach((c, i) => {
      lines.push(`    ${i + 1}. ${c.cause}${c.fits ? '  ← fits the length you gave' : ''} [${c.fault_domain}]`);
      lines.push(`       ${c.why}`);
      for (const k of c.checks) lines.push(`       - ${k}`);
      lines.push(`       fix: ${c.fix}${c.findings.length ? ` (finding: ${c.findings.join(', ')})` : ''}`);
    });
  }
  field('Guide row:', guideRow(e));
  if (e.findings?.length) field('Findings:', e.findings.join(', '));
  field('Note:', e.note);
  return `${lines.join('\n')}\n`;
}

export function runExplain(words: readonly string[], flags: { readonly json?: boolean }): number {
  const query = words.join(' ').trim();
  if (!query) {
    process.stderr.write('trunkline explain: give a SIP code (488), an API error code (1008), a symptom ("one way audio") or a finding id\n');
    return EXIT_USAGE;
  }
  const entry = lookup(query);
  if (!entry) {
    process.stderr.write(
      `trunkline explain: nothing in the knowledge base matches "${query}" — try a SIP code (100–699), an API error code (1000, 1001, 1002, 1007, 1008, 1010, 1011, 1030), a symptom ("no audio", "one way audio", "audio drops", "ivr audio but no agent audio", "calls drop after 30 seconds", "choppy audio"), "codec", "checklist", "ticket" or a finding id (see docs/findings.md)\n`,
    );
    return EXIT_FAILURE;
  }
  process.stdout.write(flags.json ? `${JSON.stringify(entry, null, 2)}\n` : formatExplain(entry));
  return EXIT_OK;
}

export function register(program: Command): void {
  program
    .command('explain')
    .description('explain a SIP response code, an API error code, a media symptom or a finding id, from the guide')
    .argument('<query...>', 'e.g. 488, 1008, "one way audio", media.rtp-timeout')
    .option('--json', 'print the entry as JSON')
    .action((words: string[], flags: { json?: boolean }) => {
      process.exitCode = runExplain(words, flags);
    });
}
