import { checkServerIdentity, connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { ITEMS, type CheckResult } from '../types.js';

/**
 * SIP over TLS (RFC 3261 §26.2.1, RFC 5922 §7): the edge's TLS port must take a handshake and
 * present a certificate a PBX will accept — a chain to a trusted root, the SIP domain among its
 * names (RFC 5922 §7.2: subjectAltName DNS, else CN), and not expired. A self-signed
 * certificate works only once the PBX is told to trust it: a warning that says how.
 */
export interface TlsTarget {
  readonly host: string;
  readonly address: string;
  readonly port: number;
  /** The name the PBX verifies: the trunk domain, unless --tls-name says otherwise. */
  readonly name: string;
  readonly timeoutMs: number;
  /** Extra trusted roots (--ca FILE), PEM. */
  readonly ca?: Buffer;
  /** Certificates expiring within this many days are a warning. */
  readonly warnDays?: number;
}

const SELF_SIGNED = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']);

export async function checkTls(t: TlsTarget, now = Date.now()): Promise<CheckResult[]> {
  const start = performance.now();
  let socket: TLSSocket;
  try {
    socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = connect({ host: t.address, port: t.port, servername: t.name, rejectUnauthorized: false, ...(t.ca ? { ca: t.ca } : {}) });
      s.setTimeout(t.timeoutMs, () => {
        s.destroy();
        reject(new Error(`no TLS handshake within ${t.timeoutMs} ms`));
      });
      s.once('error', reject);
      s.once('secureConnect', () => {
        s.setTimeout(0);
        resolve(s);
      });
    });
  } catch (err) {
    return [{
      id: 'signaling.tls', item: ITEMS.signaling, status: 'fail', seen: `TLS ${t.address}:${t.port}: ${(err as Error).message}`,
      change: `open TCP ${t.port} outbound to the edge in your firewall, or use the edge's TLS port (--tls-port; 443 in production, 5071 by default for trunkline serve)`,
    }];
  }
  const rtt = Math.round((performance.now() - start) * 10) / 10;
  const cert = socket.getPeerCertificate(true);
  const authError = socket.authorizationError ? String(socket.authorizationError) : null;
  const protocol = socket.getProtocol();
  socket.destroy();
  const handshake: CheckResult = { id: 'signaling.tls', item: ITEMS.signaling, status: 'pass', seen: `TLS ${t.address}:${t.port}: handshake (${protocol}) in ${rtt} ms`, rtt_ms: rtt };
  return [handshake, judgeCertificate(t, cert, authError, now)];
}

function judgeCertificate(t: TlsTarget, cert: DetailedPeerCertificate, authError: string | null, now: number): CheckResult {
  const base = { id: 'tls.certificate', item: ITEMS.signaling };
  if (!cert || !cert.raw) return { ...base, status: 'fail', seen: 'the edge presented no certificate', change: 'configure a certificate on the edge (trunkline serve --tls-cert FILE --tls-key FILE)' };
  const subject = cert.subject?.CN ?? '(no CN)';
  const names = cert.subjectaltname ?? `CN=${subject}`;
  const notAfter = Date.parse(cert.valid_to);
  const notBefore = Date.parse(cert.valid_from);
  const details = { subject, issuer: cert.issuer?.CN ?? null, names, valid_from: cert.valid_from, valid_to: cert.valid_to, fingerprint256: cert.fingerprint256, verify_error: authError };
  const fix = (what: string) => `${what} on the edge (trunkline serve --tls-cert FILE --tls-key FILE; the certificate must name ${t.name} and chain to a CA your PBX trusts)`;
  if (now > notAfter || authError === 'CERT_HAS_EXPIRED') {
    return { ...base, status: 'fail', details, seen: `the certificate for ${subject} expired on ${cert.valid_to}`, change: fix('renew the certificate') };
  }
  if (now < notBefore || authError === 'CERT_NOT_YET_VALID') {
    return { ...base, status: 'fail', details, seen: `the certificate for ${subject} is not valid before ${cert.valid_from} (check the clocks)`, change: fix('install a certificate valid now') };
  }
  const nameError = checkServerIdentity(t.name, cert);
  if (nameError) {
    return { ...base, status: 'fail', details, seen: `the certificate does not name ${t.name} (it names ${names})`, change: fix(`install a certificate with ${t.name} (or *.${t.name.split('.').slice(1).join('.')}) in subjectAltName`) };
  }
  if (authError && SELF_SIGNED.has(authError)) {
    return {
      ...base, status: 'warn', details,
      seen: `the certificate for ${subject} is self-signed (${authError}); valid until ${cert.valid_to}; SHA-256 fingerprint ${cert.fingerprint256}`,
      change: `a PBX refuses it until told to trust it: save it (openssl s_client -connect ${t.address.includes(':') ? `[${t.address}]` : t.address}:${t.port} -servername ${t.name} </dev/null | openssl x509 > edge.pem), check the fingerprint above with the edge's operator, then add edge.pem to the PBX's trusted CAs (and run preflight with --ca edge.pem); or give the edge a CA-signed certificate`,
    };
  }
  if (authError) {
    return {
      ...base, status: 'fail', details, seen: `the certificate chain does not verify: ${authError} (issuer ${cert.issuer?.CN ?? '?'})`,
      change: fix(authError === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || authError === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ? 'serve the whole chain (leaf + intermediates) or trust the issuing CA (--ca FILE)' : 'install a valid certificate'),
    };
  }
  const days = Math.floor((notAfter - now) / 86_400_000);
  if (days < (t.warnDays ?? 14)) {
    return { ...base, status: 'warn', details, seen: `the certificate for ${subject} is valid but expires in ${days} days (${cert.valid_to})`, change: fix('renew the certificate soon') };
  }
  return { ...base, status: 'pass', details, seen: `certificate for ${subject} (${names}) chains to a trusted CA, names ${t.name}, valid until ${cert.valid_to}` };
}
