// `trunkline preflight --trunk-domain D [--api URL --account SID --key K --token T] [--json]` (SPEC §6):
// thin — flags (each also TRUNKLINE_<FLAG>), progress on a terminal, output and exit code; the
// checks live in src/preflight.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isTrunklineError, TrunklineError } from '../../core/index.js';
import { progressLine, renderPreflight, runPreflight, type CheckResult, type PreflightErrorCode, type PreflightOptions } from '../../preflight/index.js';
import { envOption } from '../env-option.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';

interface PreflightFlags {
  readonly trunkDomain?: string;
  readonly edge?: string;
  readonly sipPort: string;
  readonly tlsPort: string;
  readonly tls: boolean;
  readonly tlsName?: string;
  readonly ca?: string;
  readonly api?: string;
  readonly account?: string;
  readonly key?: string;
  readonly token?: string;
  readonly trunk?: string;
  readonly from?: string;
  readonly echoNumber: string;
  readonly user?: string;
  readonly password?: string;
  readonly sdp?: string;
  readonly pbx?: string;
  readonly rtpSeconds: string;
  readonly timeout: string;
  readonly json?: boolean;
  readonly save: boolean;
}

/** A bad flag: exit 2 with the message (SPEC §7). */
function usage(message: string, code: PreflightErrorCode = 'PREFLIGHT_BAD_OPTION'): TrunklineError<PreflightErrorCode> {
  return new TrunklineError<PreflightErrorCode>(code, message);
}

function port(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw usage(`--${name} must be a port 1–65535 (got ${value})`);
  return n;
}

function file(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw usage(`--${name} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'PREFLIGHT_SDP_FILE');
  }
}

/** --pbx HOST[:PORT][;transport=udp|tcp] (IPv6 in brackets), port 5060 and UDP by default. */
function pbxTarget(text: string): { host: string; port: number; protocol: 'udp' | 'tcp' } {
  const m = /^(\[[^\]]+\]|[^:;\s]+)(?::(\d+))?(?:;transport=(udp|tcp))?$/i.exec(text);
  if (!m) throw usage(`--pbx must be HOST[:PORT][;transport=udp|tcp] (got ${text})`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: m[2] ? port('pbx', m[2]) : 5060, protocol: (m[3]?.toLowerCase() ?? 'udp') as 'udp' | 'tcp' };
}

/** Flags → options; a missing or bad value is a PREFLIGHT_BAD_OPTION / PREFLIGHT_SDP_FILE error (exit 2). */
export function preflightOptions(f: PreflightFlags): PreflightOptions {
  if (!f.trunkDomain) throw usage('--trunk-domain is required (the trunk\'s domain_name, e.g. demo.pstn.localhost)');
  const apiFlags = [f.api, f.account, f.key, f.token];
  if (apiFlags.some((v) => v !== undefined) && apiFlags.some((v) => v === undefined)) throw usage('--api, --account, --key and --token go together');
  if ((f.user === undefined) !== (f.password === undefined)) throw usage('--user and --password go together');
  const rtpSeconds = Number(f.rtpSeconds);
  if (!(rtpSeconds >= 2 && rtpSeconds <= 60)) throw usage(`--rtp-seconds must be 2–60 (got ${f.rtpSeconds})`);
  const timeout = Number(f.timeout);
  if (!(timeout > 0 && timeout <= 120)) throw usage(`--timeout must be 0–120 seconds (got ${f.timeout})`);
  if (!/^\+[1-9]\d{6,14}$/.test(f.echoNumber)) throw usage(`--echo-number must be E.164 (got ${f.echoNumber})`);
  return {
    trunkDomain: f.trunkDomain,
    edgeHost: f.edge ?? f.trunkDomain,
    sipPort: port('sip-port', f.sipPort),
    tlsPort: f.tls ? port('tls-port', f.tlsPort) : null,
    ...(f.tlsName ? { tlsName: f.tlsName } : {}),
    ...(f.ca ? { ca: Buffer.from(file('ca', f.ca)) } : {}),
    timeoutMs: timeout * 1000,
    ...(f.api ? { api: { url: f.api, account: f.account!, key: f.key!, token: f.token! } } : {}),
    ...(f.trunk ? { trunkSid: f.trunk } : {}),
    ...(f.from ? { from: f.from } : {}),
    echoNumber: f.echoNumber,
    ...(f.user ? { login: { username: f.user, password: f.password! } } : {}),
    ...(f.sdp ? { sdp: file('sdp', f.sdp) } : {}),
    ...(f.pbx ? { pbx: pbxTarget(f.pbx) } : {}),
    rtpSeconds,
  };
}

export async function runPreflightCommand(flags: PreflightFlags): Promise<number> {
  let options: PreflightOptions;
  try {
    options = preflightOptions(flags);
  } catch (err) {
    if (!isTrunklineError(err, 'PREFLIGHT_BAD_OPTION') && !isTrunklineError(err, 'PREFLIGHT_SDP_FILE')) throw err;
    process.stderr.write(`trunkline preflight: ${err.message}\n`);
    return EXIT_USAGE;
  }
  // A progress line per item on a terminal: "checking …" while it runs, replaced by its verdict.
  const tty = process.stderr.isTTY === true;
  const report = await runPreflight({
    ...options,
    ...(tty ? {
      onStart: (what: string) => process.stderr.write(`\r\x1b[K  ....  checking ${what}…`),
      onItem: (r: CheckResult) => process.stderr.write(`\r\x1b[K${progressLine(r)}\n`),
    } : {}),
    save: flags.save,
  });
  if (tty) process.stderr.write('\r\x1b[K\n');
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderPreflight(report));
  return report.ok ? EXIT_OK : EXIT_FAILURE;
}

export function register(program: Command): void {
  program
    .command('preflight')
    .description("check, from this host, the guide's list before contacting support: signaling ports, TLS certificate, OPTIONS, an RTP echo call, the trunk's provisioning, PCMA first")
    .addOption(envOption('--trunk-domain <domain>', "the trunk's domain_name, as the PBX puts it in the Request-URI"))
    .addOption(envOption('--edge <host>', 'where the edge is (default: the trunk domain)'))
    .addOption(envOption('--sip-port <n>', 'SIP port, UDP and TCP').default('5070'))
    .addOption(envOption('--tls-port <n>', 'SIP over TLS port (443 in production)').default('5071'))
    .addOption(envOption('--no-tls', 'skip the TLS checks (the edge has no TLS port)'))
    .addOption(envOption('--tls-name <name>', 'the name the certificate must carry (default: the trunk domain)'))
    .addOption(envOption('--ca <file>', 'trust this CA (PEM) when checking the certificate, e.g. the edge\'s self-signed one'))
    .addOption(envOption('--api <url>', 'base URL of the provisioning API, e.g. http://127.0.0.1:8080'))
    .addOption(envOption('--account <sid>', 'account sid'))
    .addOption(envOption('--key <key>', 'api_key'))
    .addOption(envOption('--token <token>', 'api_token'))
    .addOption(envOption('--trunk <sid>', 'which trunk, when the account has several (they share the domain; default: the one whitelisting this host)'))
    .addOption(envOption('--from <e164>', 'caller number of the echo call (a number on the trunk; found through the API when given)'))
    .addOption(envOption('--echo-number <e164>', "the simulator's echo number").default('+919876540000'))
    .addOption(envOption('--user <name>', 'digest user for the echo call, when the trunk has credentials'))
    .addOption(envOption('--password <password>', 'digest password for the echo call'))
    .addOption(envOption('--sdp <file>', "an INVITE's SDP from your PBX: PCMA must be offered first"))
    .addOption(envOption('--pbx <host[:port]>', "ask this host's PBX for its SDP with OPTIONS (RFC 3261 §11.2) when no --sdp is given"))
    .addOption(envOption('--rtp-seconds <s>', 'seconds of RTP in the echo call (at least 2)').default('2'))
    .addOption(envOption('--timeout <s>', 'seconds to wait for each answer').default('5'))
    .addOption(envOption('--no-save', 'with API credentials, do not store the result on the edge (a support bundle includes the latest)'))
    .option('--json', 'print the report as JSON')
    .action(async (flags: PreflightFlags) => {
      process.exitCode = await runPreflightCommand(flags);
    });
}
