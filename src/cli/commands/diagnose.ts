// `trunkline diagnose FILE… [--call ID] [--json | --html OUT]` (SPEC §5): thin — arguments, progress,
// output and exit code; the reading, the rules and the rendering live in src/analyzer.
import { statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { diagnoseCaptureFiles, findCall, renderCallDetail, renderCallTable, renderHtml, renderJson } from '../../analyzer/index.js';
import type { DiagnoseReport } from '../../analyzer/index.js';
import { diagnosisThresholds } from '../../app/index.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';

interface DiagnoseFlags {
  readonly call?: string;
  readonly json?: boolean;
  readonly html?: string;
  readonly mediaWindow?: string;
  readonly rtpStop?: string;
  readonly silenceThreshold?: string;
}

/** Files above this size show a progress bar on stderr, when stderr is a terminal. */
const PROGRESS_BYTES = 50 * 1024 * 1024;

function usage(message: string): number {
  process.stderr.write(`trunkline diagnose: ${message}\n`);
  return EXIT_USAGE;
}

export async function runDiagnose(files: readonly string[], flags: DiagnoseFlags): Promise<number> {
  if (flags.json && flags.html !== undefined) return usage('--json and --html cannot be used together');
  // Bad values throw APP_BAD_CONFIG, which main turns into exit 2 like serve's.
  const thresholds = diagnosisThresholds(flags);
  let total = 0;
  for (const f of files) {
    try {
      const st = statSync(f);
      if (!st.isFile()) return usage(`${f} is not a file (ANALYZE_FILE_NOT_FOUND)`);
      total += st.size;
    } catch {
      return usage(`${f}: no such file (ANALYZE_FILE_NOT_FOUND)`);
    }
  }
  let bar: SingleBar | undefined;
  if (total > PROGRESS_BYTES && process.stderr.isTTY) {
    bar = new SingleBar({
      stream: process.stderr,
      format: 'reading [{bar}] {percentage}% | {value}/{total} MB | eta {eta}s',
      hideCursor: true,
      clearOnComplete: true,
    });
    bar.start(Math.ceil(total / 1e6), 0);
  }
  let report: DiagnoseReport;
  try {
    report = await diagnoseCaptureFiles(files, { thresholds, ...(bar ? { onProgress: (n: number) => bar?.update(Math.floor(n / 1e6)) } : {}) });
  } finally {
    bar?.stop();
  }
  let full = report;
  if (flags.call !== undefined) {
    const call = findCall(report, flags.call);
    if (!call) return usage(`no call with Call-ID ${flags.call} (ANALYZE_UNKNOWN_CALL); the captures hold ${report.calls.length} calls`);
    full = report;
    report = { ...report, calls: [call] };
  }
  if (flags.json) process.stdout.write(renderJson(report));
  else if (flags.html !== undefined) {
    writeFileSync(flags.html, renderHtml(report));
    process.stdout.write(renderCallTable(report));
    process.stderr.write(`wrote ${flags.html}\n`);
  } else if (flags.call !== undefined) process.stdout.write(renderCallDetail(report.calls[0], full));
  else process.stdout.write(renderCallTable(report));
  // A corrupt or truncated file: what was read is printed above, the error and its offset here.
  const broken = report.files.filter((f) => f.error);
  for (const f of broken) {
    const e = f.error!;
    process.stderr.write(`trunkline diagnose: ${f.path}: ${e.code}${e.offset !== undefined ? ` at byte offset ${e.offset}` : ''}: ${e.message}\n`);
  }
  return broken.length > 0 ? EXIT_FAILURE : EXIT_OK;
}

export function register(program: Command): void {
  program
    .command('diagnose')
    .description('read captures (pcap, pcapng, HEP, SIP text logs) and explain every call: table, ladder, RTP, findings')
    .argument('<files...>', 'capture files')
    .option('--call <id>', "one call in detail: its ladder, SDP, RTP streams and findings (a Call-ID or a unique prefix)")
    .option('--json', 'print everything as JSON (docs/diagnose-json.md)')
    .option('--html <out>', 'write one self-contained HTML report (SVG ladders) to <out>')
    // The same limits as serve's, so a recorded call can be read with the limits its live record had.
    .option('--media-window <seconds>', 'an answered call with no RTP for this long is no-audio / one-way (default 2)')
    .option('--rtp-stop <seconds>', 'RTP quiet this long has dropped after answer (default 5)')
    .option('--silence-threshold <seconds>', 'only silence this long inside flowing RTP is silent RTP (default 10)')
    .action(async (files: string[], flags: DiagnoseFlags) => {
      process.exitCode = await runDiagnose(files, flags);
    });
}
