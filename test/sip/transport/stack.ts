import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../../src/core/index.js';
import {
  StreamTransport, TransactionLayer, TransportSet, UasCore, UdpTransport,
  type TransportEvent, type TransportLimits, type TransportProtocol, type UasCoreEvents,
} from '../../../src/sip/index.js';

/** A test certificate made with openssl, or undefined where openssl is missing. */
export function testCertificate(): { key: Buffer; cert: Buffer } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'siptx-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Stack {
  readonly port: Record<TransportProtocol, number>;
  readonly layer: TransactionLayer;
  readonly events: TransportEvent[];
  close(): Promise<void>;
}

/** UDP, TCP (and TLS when a certificate is given) on one host, with the UAS core answering OPTIONS. */
export async function startStack(host: string, opts: { tls?: { key: Buffer; cert: Buffer }; limits?: Partial<TransportLimits>; uasEvents?: UasCoreEvents; tlsClient?: { ca: Buffer } } = {}): Promise<Stack> {
  const events: TransportEvent[] = [];
  const set = new TransportSet();
  const layer = new TransactionLayer({ transports: set, clock: systemClock, tu: new UasCore({ supported: [], accept: ['application/sdp'] }, opts.uasEvents ?? {}) });
  const handlers = { onMessage: (m: Parameters<TransactionLayer['receive']>[0]) => layer.receive(m), onEvent: (e: TransportEvent) => events.push(e) };
  const limits = opts.limits ? { limits: opts.limits } : {};
  const udp = await UdpTransport.listen({ host, port: 0, handlers, ...limits });
  const tcp = await StreamTransport.listen({ host, port: 0, handlers, ...limits });
  const tls = opts.tls ? await StreamTransport.listen({ host, port: 0, handlers, tls: opts.tls, ...(opts.tlsClient ? { tlsClient: opts.tlsClient } : {}), ...limits }) : undefined;
  for (const t of [udp, tcp, tls]) if (t) set.add(t);
  return {
    port: { udp: udp.local.port, tcp: tcp.local.port, tls: tls?.local.port ?? 0 },
    layer,
    events,
    close: () => set.close(),
  };
}

export function options(host: string, port: number, protocol: TransportProtocol, callId = `c${Math.random().toString(16).slice(2)}`, extra = ''): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return [
    `OPTIONS sip:ping@${h}:${port} SIP/2.0`,
    `Via: SIP/2.0/${protocol.toUpperCase()} ${h}:9;branch=z9hG4bK${Math.random().toString(16).slice(2)};rport`,
    'Max-Forwards: 70',
    `From: <sip:tester@${h}>;tag=t1`,
    `To: <sip:ping@${h}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    ...(extra ? [extra] : []),
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

/** Sends one datagram and resolves with the first answer (or undefined after `ms`). */
export function udpExchange(host: string, port: number, payload: Buffer | string, ms = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => done(undefined), ms);
    const done = (v: string | undefined) => {
      clearTimeout(timer);
      sock.close();
      resolve(v);
    };
    sock.on('message', (m) => done(m.toString('latin1')));
    sock.on('error', () => done(undefined));
    sock.send(typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload, port, host);
  });
}

/** A stream client that collects what it reads; `until` waits for a condition on the text. */
export interface StreamClient {
  readonly socket: Socket;
  text(): string;
  write(data: string | Buffer): void;
  until(pred: (text: string) => boolean, ms?: number): Promise<boolean>;
  closed(ms?: number): Promise<boolean>;
  end(): void;
}

export function streamClient(protocol: 'tcp' | 'tls', host: string, port: number): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    const socket = protocol === 'tls' ? tlsConnect({ host, port, rejectUnauthorized: false }) : netConnect({ host, port });
    let buf = '';
    let isClosed = false;
    const waiters = new Set<() => void>();
    const poke = () => { for (const w of [...waiters]) w(); };
    socket.on('data', (d: Buffer) => { buf += d.toString('latin1'); poke(); });
    socket.on('close', () => { isClosed = true; poke(); });
    socket.on('error', () => undefined);
    const wait = (pred: () => boolean, ms: number) => new Promise<boolean>((res) => {
      if (pred()) return res(true);
      const timer = setTimeout(() => { waiters.delete(check); res(false); }, ms);
      const check = () => { if (pred()) { clearTimeout(timer); waiters.delete(check); res(true); } };
      waiters.add(check);
    });
    socket.once(protocol === 'tls' ? 'secureConnect' : 'connect', () => resolve({
      socket,
      text: () => buf,
      write: (d) => socket.write(typeof d === 'string' ? Buffer.from(d, 'latin1') : d),
      until: (pred, ms = 2000) => wait(() => pred(buf), ms),
      closed: (ms = 2000) => wait(() => isClosed, ms),
      end: () => socket.destroy(),
    }));
    socket.once('error', reject);
  });
}

export const statusLines = (text: string) => [...text.matchAll(/^SIP\/2\.0 (\d{3})/gm)].map((m) => Number(m[1]));
