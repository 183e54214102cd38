import type { Command } from 'commander';
import { loadConfig, pinoLogger, startTrunkline, tuneV8ForServe, type RawServeOptions } from '../../app/index.js';
import { collect, envOption } from '../env-option.js';

/** `trunkline serve`: every flag of SPEC §7, each also read from TRUNKLINE_<FLAG>. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('run the provisioning API, the SIP edge and the media relay')
    .addOption(envOption('--data-dir <dir>', 'data directory (SQLite file, recordings)').default('./data'))
    .addOption(envOption('--recordings-dir <dir>', 'call pcaps (default DATA_DIR/recordings); a directory shared by every node makes recordings readable from any node'))
    .addOption(envOption('--db <url>', 'postgres://… URL instead of the embedded SQLite store'))
    .addOption(envOption('--record-writer <mode>', 'SQLite: write call records on a thread of their own (thread) or on the main thread (inline)').default('thread'))
    .addOption(envOption('--diagnose-in <mode>', 'diagnose ended calls on the SIP stack\'s thread (inline) or on a thread of their own (thread: less work for the SIP thread, more CPU in all)').default('inline'))
    .addOption(envOption('--http-host <host>', 'API listen address').default('0.0.0.0'))
    .addOption(envOption('--http-port <n>', 'API port, 0 = any free port').default('8080'))
    .addOption(envOption('--sip-host <host>', 'SIP listen address').default('0.0.0.0'))
    .addOption(envOption('--sip-port <n>', 'SIP UDP+TCP port, 0 = any free port').default('5070'))
    .addOption(envOption('--public-address <ip>', 'address peers reach this host at (behind NAT): SIP Contact/Via and SDP; default: per peer, the local address packets to it leave from'))
    .addOption(envOption('--media-address <ip>', 'address written in SDP for the media relay (default: --public-address, else per peer)'))
    .addOption(envOption('--tls-port <n>', 'SIP TLS port (with a certificate)').default('5071'))
    .addOption(envOption('--tls-cert <file>', 'PEM certificate for SIP over TLS'))
    .addOption(envOption('--tls-key <file>', 'PEM private key for SIP over TLS'))
    .addOption(envOption('--tls-self-signed', 'generate a self-signed certificate for SIP over TLS'))
    .addOption(envOption('--rtp-ports <lo-hi>', 'UDP port range of the media relay').default('10000-40000'))
    .addOption(envOption('--sip-domain <domain>', 'trunk domains are {account_sid}.<domain>').default('pstn.localhost'))
    .addOption(envOption('--carrier <uri>', 'carrier gateway SIP URI (repeatable; turns the PSTN simulator off)').argParser(collect))
    .addOption(envOption('--no-pstn-sim', 'do not run the built-in PSTN simulator'))
    .addOption(envOption('--rtp-timeout <seconds>', 'hang up a call after this long without RTP').default('30'))
    .addOption(envOption('--media-window <seconds>', 'diagnosis: an answered call with no RTP for this long is no-audio / one-way').default('2'))
    .addOption(envOption('--rtp-stop <seconds>', 'diagnosis: RTP quiet this long has dropped after answer').default('5'))
    .addOption(envOption('--silence-threshold <seconds>', 'diagnosis: only silence this long inside flowing RTP is silent RTP').default('10'))
    .addOption(envOption('--live-refresh <seconds>', 'refresh an answered call\'s record (media stats, findings) this often while it is up; 0 = off').default('2'))
    .addOption(envOption('--overload-delay <ms>', 'from this wait (ms, mean over 0.2 s) of SIP requests to be read, refuse a growing share of new calls 503 with Retry-After (SPEC §3 overload); 0 = never').default('200'))
    .addOption(envOption('--media-engine <engine>', 'native (the C forwarder; node:dgram if it cannot load) or js').default('native'))
    .addOption(envOption('--nso-codes <list>', 'comma-separated nso_code allow-list').default('ANY-ANY'))
    .addOption(envOption('--min-mask <n>', 'smallest whitelisted-IP mask accepted (16–32)').default('16'))
    .addOption(envOption('--api-rate-limit <n>', 'API requests per minute per account').default('200'))
    .addOption(envOption('--redis <url>', 'redis://… for counters shared by several nodes'))
    .addOption(envOption('--redis-prefix <prefix>', 'prefix of every Redis key; the nodes of one cluster share it').default('trunkline:'))
    .addOption(envOption('--node-id <id>', 'this node\'s name on call records and in the cluster (default: hostname-pid)'))
    .addOption(envOption('--node-timeout <seconds>', 'with --redis: a node silent this long is lost and its calls are closed by another').default('15'))
    .addOption(envOption('--hep <host:port>', 'send every SIP message (both legs) and call quality reports as HEP3 to a Homer/heplify-server capture node'))
    .addOption(envOption('--digest-algorithms <list>', 'digest challenges offered, in order: SHA-256,MD5; MD5 alone for UAs that fail on SHA-256 (baresip 1.0)').default('SHA-256,MD5'))
    .addOption(envOption('--log-level <level>', 'debug, info, warn, error or silent').default('info'))
    .action(async (raw: RawServeOptions) => {
      tuneV8ForServe();
      const config = loadConfig(raw);
      const logger = pinoLogger(config.logLevel);
      const running = await startTrunkline(config, logger);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'stopping');
          running.stop().then(resolve, resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
