import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { TrunklineError } from '../core/index.js';
import type { RecordWriterMode, StoreLocation } from '../store/index.js';
import { DEFAULT_THRESHOLDS } from '../diagnosis/index.js';

/**
 * Everything `trunkline serve` can be told (SPEC §7), validated once and frozen. Nothing
 * below app/ reads process.env: the CLI hands the raw flag values here, layers get a Config.
 */
export interface Config {
  readonly dataDir: string;
  /** Where call pcaps are written and read; a directory every node mounts makes recordings readable from any node's API. */
  readonly recordingsDir: string;
  readonly store: StoreLocation;
  /** --record-writer: call records on an SQLite file written by a thread of their own (the default) or on the main thread. */
  readonly recordWriter: RecordWriterMode;
  /**
   * --diagnose-in: ended calls diagnosed on the SIP stack's thread (inline, the default) or on a
   * thread of their own (thread): ~5 % off the SIP thread for ~5× that in CPU elsewhere (README Performance).
   */
  readonly diagnoseIn: 'thread' | 'inline';
  readonly http: { readonly host: string; readonly port: number };
  readonly sip: { readonly host: string; readonly port: number };
  /**
   * --public-address: the address SIP (Contact, Via) and SDP give peers, for a host behind NAT;
   * null = per peer, the local address packets to it leave from. --media-address overrides it
   * for SDP only (defaults to the public address).
   */
  readonly publicAddress: string | null;
  readonly mediaAddress: string | null;
  readonly tls: TlsConfig | null;
  readonly rtpPorts: { readonly lo: number; readonly hi: number };
  /** trunk domain_name = `{account_sid}.{sipDomain}` (SPEC §1). */
  readonly sipDomain: string;
  readonly carriers: readonly string[];
  /** On in the embedded default; off when a real carrier is configured (SPEC Parts). */
  readonly pstnSim: boolean;
  readonly rtpTimeoutSeconds: number;
  /** The diagnosis engine's limits for the edge's call records, live and final (DiagnosisThresholds). */
  readonly diagnosis: DiagnosisLimits;
  /** An answered call's record is refreshed this often while the call is up (ms; 0 = at answer and end only). */
  readonly liveRefreshMs: number;
  /** --overload-delay: mean wait (ms) of SIP datagrams in the receive queue from which a growing share of new INVITEs get 503 + Retry-After; null: never. */
  readonly overloadDelayMs: number | null;
  /** Who moves RTP: the native forwarder (native/relay; JS if it cannot load) or node:dgram. */
  readonly mediaEngine: 'native' | 'js';
  readonly nsoCodes: readonly string[];
  readonly minWhitelistMask: number;
  readonly apiRateLimitPerMinute: number;
  readonly redisUrl: string | null;
  /** Prefix of every Redis key: the nodes of one cluster share it. */
  readonly redisPrefix: string;
  /** The node carrying a call, written on its record (issue 15). */
  readonly nodeId: string;
  /** A node whose heartbeat is older than this is lost: its calls are closed by a survivor (ms). */
  readonly nodeTimeoutMs: number;
  /** serve --hep HOST:PORT: where every SIP message and the calls' quality reports go as HEP3. */
  readonly hep: { readonly host: string; readonly port: number } | null;
  /** Digest challenges the edge offers, in order (RFC 8760 §2.4: most preferred first). */
  readonly digestAlgorithms: readonly ('SHA-256' | 'MD5')[];
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export interface DiagnosisLimits {
  /** --media-window: a call answered this long with no RTP shows a media verdict (blocked, one-way). */
  readonly minMediaWindowMs: number;
  /** --rtp-stop: RTP quiet this long has stopped (audio dropped after answer). */
  readonly rtpStopMs: number;
  /** --silence-threshold: decoded silence this long inside flowing RTP is silent RTP. */
  readonly silenceMs: number;
}

export type TlsConfig =
  | { readonly port: number; readonly mode: 'files'; readonly cert: string; readonly key: string }
  | { readonly port: number; readonly mode: 'self-signed' };

/** The values as commander hands them over (strings from flags or TRUNKLINE_* variables). */
export interface RawServeOptions {
  readonly dataDir?: string;
  readonly recordingsDir?: string;
  readonly db?: string;
  readonly recordWriter?: string;
  readonly diagnoseIn?: string;
  readonly httpHost?: string;
  readonly httpPort?: string;
  readonly sipHost?: string;
  readonly sipPort?: string;
  readonly publicAddress?: string;
  readonly mediaAddress?: string;
  readonly tlsPort?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsSelfSigned?: boolean | string;
  readonly rtpPorts?: string;
  readonly sipDomain?: string;
  readonly carrier?: readonly string[];
  /** commander's `--no-pstn-sim`: false when given. */
  readonly pstnSim?: boolean | string;
  readonly rtpTimeout?: string;
  readonly mediaWindow?: string;
  readonly rtpStop?: string;
  readonly silenceThreshold?: string;
  readonly liveRefresh?: string;
  readonly overloadDelay?: string;
  readonly mediaEngine?: string;
  readonly nsoCodes?: string;
  readonly minMask?: string;
  readonly apiRateLimit?: string;
  readonly redis?: string;
  readonly redisPrefix?: string;
  readonly nodeId?: string;
  readonly nodeTimeout?: string;
  readonly hep?: string;
  readonly digestAlgorithms?: string;
  readonly logLevel?: string;
}

export function badConfig(flag: string, rule: string, value: unknown): TrunklineError {
  return new TrunklineError('APP_BAD_CONFIG', `--${flag} ${rule} (got ${JSON.stringify(value)})`, { details: { flag, value } });
}

/** True for errors that mean "bad usage" (exit 2) rather than a failure. */
export function isUsageError(err: unknown): boolean {
  return err instanceof TrunklineError && err.code === 'APP_BAD_CONFIG';
}

function port(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw badConfig(flag, 'must be a port number 0–65535', raw);
  return Number(raw);
}

function positiveInt(flag: string, raw: string | undefined, fallback: number, max = 1_000_000): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw badConfig(flag, `must be a whole number 1–${max}`, raw);
  return Number(raw);
}

/** A duration in seconds (up to millisecond precision) → ms, within [min, max] seconds. */
function secondsMs(flag: string, raw: string | undefined, fallbackMs: number, min: number, max: number): number {
  if (raw === undefined) return fallbackMs;
  const ok = /^\d+(\.\d{1,3})?$/.test(raw) && Number(raw) >= min && Number(raw) <= max;
  if (!ok) throw badConfig(flag, `must be a number of seconds ${min}–${max} (e.g. 2 or 0.5)`, raw);
  return Math.round(Number(raw) * 1000);
}

/** The media limits of the diagnosis from --media-window/--rtp-stop/--silence-threshold (serve and diagnose take the same flags). */
export function diagnosisThresholds(raw: { readonly mediaWindow?: string; readonly rtpStop?: string; readonly silenceThreshold?: string }): Config['diagnosis'] {
  return {
    minMediaWindowMs: secondsMs('media-window', raw.mediaWindow, DEFAULT_THRESHOLDS.minMediaWindowMs, 0, 3600),
    rtpStopMs: secondsMs('rtp-stop', raw.rtpStop, DEFAULT_THRESHOLDS.rtpStopMs, 0.1, 3600),
    silenceMs: secondsMs('silence-threshold', raw.silenceThreshold, DEFAULT_THRESHOLDS.silenceMs, 0.1, 3600),
  };
}

function bool(flag: string, raw: boolean | string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (typeof raw === 'boolean') return raw;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw badConfig(flag, 'must be true or false', raw);
}

function host(flag: string, raw: string | undefined, fallback: string): string {
  const value = raw ?? fallback;
  if (value === '' || /\s/.test(value)) throw badConfig(flag, 'must be an IP address or host name', value);
  return value;
}

/** An address peers send to: an IP literal ([v6] accepted), never a wildcard (nobody can send to 0.0.0.0). */
function reachableIp(flag: string, raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  const ip = raw.replace(/^\[(.*)\]$/, '$1');
  if (isIP(ip) === 0 || ip === '0.0.0.0' || /^[0:]+$/.test(ip)) throw badConfig(flag, 'must be the IP address peers reach this host at (not a wildcard such as 0.0.0.0)', raw);
  return ip;
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function storeLocation(dataDir: string, db: string | undefined): StoreLocation {
  if (db === undefined || db === '') return { kind: 'sqlite', file: join(dataDir, 'trunkline.db') };
  if (/^postgres(ql)?:\/\//.test(db)) return { kind: 'postgres', url: db };
  if (db.startsWith('sqlite:')) {
    const file = db.slice('sqlite:'.length).replace(/^\/\//, '');
    return { kind: 'sqlite', file: isAbsolute(file) ? file : resolve(file) };
  }
  throw badConfig('db', 'must be a postgres://… URL (or sqlite:PATH)', db);
}

export function loadConfig(raw: RawServeOptions): Config {
  const dataDir = resolve(raw.dataDir ?? './data');
  const rtp = raw.rtpPorts ?? '10000-40000';
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(rtp);
  if (!m || Number(m[1]) < 1024 || Number(m[2]) > 65535 || Number(m[1]) >= Number(m[2]) || Number(m[1]) % 2 !== 0) {
    throw badConfig('rtp-ports', 'must be LO-HI with 1024 ≤ LO < HI ≤ 65535 and LO even (RTP uses even ports, RFC 3550 §11)', rtp);
  }
  const sipDomain = (raw.sipDomain ?? 'pstn.localhost').toLowerCase();
  if (!HOSTNAME.test(sipDomain)) throw badConfig('sip-domain', 'must be a DNS name such as pstn.example.com', sipDomain);
  const carriers = [...(raw.carrier ?? [])];
  for (const c of carriers) {
    if (!/^sips?:[^\s]+$/i.test(c) && !/^[a-z0-9.-]+(:\d{1,5})?(;transport=(udp|tcp|tls))?$/i.test(c)) {
      throw badConfig('carrier', 'must be a SIP URI such as sip:gw.example.com:5060;transport=udp', c);
    }
  }
  const tls = tlsConfig(raw);
  const nsoCodes = (raw.nsoCodes ?? 'ANY-ANY').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (nsoCodes.length === 0 || nsoCodes.some((c) => !/^[A-Z0-9_-]{1,32}$/.test(c))) {
    throw badConfig('nso-codes', 'must be a comma-separated list of codes like ANY-ANY', raw.nsoCodes);
  }
  const minMask = positiveInt('min-mask', raw.minMask, 16, 32);
  if (minMask < 16) throw badConfig('min-mask', 'must be 16–32 (SPEC §1: whitelisted masks are 16–32)', raw.minMask);
  const redisUrl = raw.redis === undefined || raw.redis === '' ? null : raw.redis;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) throw badConfig('redis', 'must be a redis://… URL', redisUrl);
  const redisPrefix = raw.redisPrefix ?? 'trunkline:';
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(redisPrefix)) throw badConfig('redis-prefix', 'must be 1–64 of A-Z a-z 0-9 : _ . -', redisPrefix);
  // Default: host name and process id, so a restarted node is a new node and its old calls are closed as lost.
  const nodeId = raw.nodeId ?? `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(nodeId)) throw badConfig('node-id', 'must be 1–64 of A-Z a-z 0-9 . _ -', nodeId);
  const mediaEngine = raw.mediaEngine ?? 'native';
  if (mediaEngine !== 'native' && mediaEngine !== 'js') throw badConfig('media-engine', 'must be native or js', mediaEngine);
  const publicAddress = reachableIp('public-address', raw.publicAddress);
  const recordWriter = raw.recordWriter ?? 'thread';
  if (recordWriter !== 'thread' && recordWriter !== 'inline') throw badConfig('record-writer', 'must be thread or inline', recordWriter);
  const diagnoseIn = raw.diagnoseIn ?? 'inline';
  if (diagnoseIn !== 'thread' && diagnoseIn !== 'inline') throw badConfig('diagnose-in', 'must be thread or inline', diagnoseIn);
  const logLevel = raw.logLevel ?? 'info';
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) throw badConfig('log-level', 'must be debug, info, warn, error or silent', logLevel);
  const config: Config = {
    dataDir,
    recordingsDir: raw.recordingsDir === undefined || raw.recordingsDir === '' ? join(dataDir, 'recordings') : resolve(raw.recordingsDir),
    store: storeLocation(dataDir, raw.db),
    recordWriter,
    diagnoseIn,
    http: { host: host('http-host', raw.httpHost, '0.0.0.0'), port: port('http-port', raw.httpPort, 8080) },
    sip: { host: host('sip-host', raw.sipHost, '0.0.0.0'), port: port('sip-port', raw.sipPort, 5070) },
    publicAddress,
    mediaAddress: reachableIp('media-address', raw.mediaAddress) ?? publicAddress,
    tls,
    rtpPorts: { lo: Number(m[1]), hi: Number(m[2]) },
    sipDomain,
    carriers,
    // SPEC §7: the simulator is on unless --carrier is given (or --no-pstn-sim).
    pstnSim: bool('no-pstn-sim', raw.pstnSim, true) && carriers.length === 0,
    rtpTimeoutSeconds: positiveInt('rtp-timeout', raw.rtpTimeout, 30, 3600),
    // Defaults are the engine's own (diagnosis DEFAULT_THRESHOLDS), so `trunkline diagnose` and the edge agree.
    diagnosis: diagnosisThresholds(raw),
    liveRefreshMs: liveRefresh(raw.liveRefresh),
    overloadDelayMs: overloadDelay(raw.overloadDelay),
    mediaEngine,
    nsoCodes,
    minWhitelistMask: minMask,
    apiRateLimitPerMinute: positiveInt('api-rate-limit', raw.apiRateLimit, 200),
    redisUrl,
    redisPrefix,
    nodeId,
    nodeTimeoutMs: secondsMs('node-timeout', raw.nodeTimeout, 15_000, 1, 3600),
    hep: hepTarget(raw.hep),
    digestAlgorithms: digestAlgorithms(raw.digestAlgorithms),
    logLevel: logLevel as Config['logLevel'],
  };
  return deepFreeze(config);
}

/** HOST:PORT or [IPv6]:PORT of a HEP capture node (Homer, heplify-server; 9060 by convention). */
function hepTarget(raw: string | undefined): Config['hep'] {
  if (raw === undefined || raw === '') return null;
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(raw) ?? /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw badConfig('hep', 'must be HOST:PORT such as 127.0.0.1:9060 or [::1]:9060', raw);
  return { host: m[1], port: Number(m[2]) };
}

/** --digest-algorithms SHA-256,MD5: the challenges offered, each once, in the order given. */
function digestAlgorithms(raw: string | undefined): readonly ('SHA-256' | 'MD5')[] {
  if (raw === undefined) return ['SHA-256', 'MD5'];
  const list = raw.split(',').map((a) => a.trim().toUpperCase());
  if (list.length === 0 || list.length > 2 || new Set(list).size !== list.length || list.some((a) => a !== 'SHA-256' && a !== 'MD5')) {
    throw badConfig('digest-algorithms', 'must be SHA-256, MD5, or both comma-separated in order of preference', raw);
  }
  return list as ('SHA-256' | 'MD5')[];
}

/** 0 turns the live refresh off; otherwise 0.2 s at least, so a call never costs more than 5 writes a second. */
function liveRefresh(raw: string | undefined): number {
  if (raw === '0') return 0;
  return secondsMs('live-refresh', raw, 2000, 0.2, 3600);
}

/** Milliseconds 20–10000; 0 turns the overload refusal off. */
function overloadDelay(raw: string | undefined): number | null {
  if (raw === '0') return null;
  if (raw === undefined) return 200;
  if (!/^\d{2,5}$/.test(raw) || Number(raw) < 20 || Number(raw) > 10_000) throw badConfig('overload-delay', 'must be milliseconds 20–10000, or 0 for never', raw);
  return Number(raw);
}

function tlsConfig(raw: RawServeOptions): TlsConfig | null {
  const selfSigned = bool('tls-self-signed', raw.tlsSelfSigned, false);
  const hasFiles = raw.tlsCert !== undefined || raw.tlsKey !== undefined;
  if (selfSigned && hasFiles) throw badConfig('tls-self-signed', 'cannot be combined with --tls-cert/--tls-key', true);
  if (hasFiles && (raw.tlsCert === undefined || raw.tlsKey === undefined)) {
    throw badConfig(raw.tlsCert === undefined ? 'tls-cert' : 'tls-key', 'is required together with the other of --tls-cert/--tls-key', null);
  }
  const tlsPort = port('tls-port', raw.tlsPort, 5071);
  if (selfSigned) return { port: tlsPort, mode: 'self-signed' };
  if (hasFiles) return { port: tlsPort, mode: 'files', cert: resolve(raw.tlsCert!), key: resolve(raw.tlsKey!) };
  return null;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
