import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Certificates for the TLS items, made with the openssl binary as an operator would: a
 * self-signed one naming *.pstn.localhost (the trunk domains of serve's default sip_domain),
 * and one that expired in 2020 (`openssl ca` with explicit dates: `req -days` cannot go back).
 */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

const NAMES = 'subjectAltName=DNS:*.pstn.localhost,DNS:pstn.localhost,IP:127.0.0.1';

export function validCert(dir: string): CertFiles {
  const cert = join(dir, 'edge-cert.pem');
  const key = join(dir, 'edge-key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=pstn.localhost', '-addext', NAMES], { stdio: 'ignore' });
  return { cert, key };
}

export function expiredCert(dir: string): CertFiles {
  const ca = join(dir, 'expired-ca');
  mkdirSync(join(ca, 'db'), { recursive: true });
  writeFileSync(join(ca, 'db', 'index.txt'), '');
  writeFileSync(join(ca, 'db', 'serial'), '01\n');
  const cnf = join(ca, 'ca.cnf');
  writeFileSync(cnf, [
    '[ca]', 'default_ca = d', '[d]', `database = ${join(ca, 'db', 'index.txt')}`, `serial = ${join(ca, 'db', 'serial')}`, `new_certs_dir = ${join(ca, 'db')}`,
    'default_md = sha256', 'policy = p', 'copy_extensions = copy', '[p]', 'commonName = supplied', '',
  ].join('\n'));
  const key = join(dir, 'expired-key.pem');
  const csr = join(ca, 'req.csr');
  const cert = join(dir, 'expired-cert.pem');
  execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=pstn.localhost', '-addext', NAMES], { stdio: 'ignore' });
  execFileSync('openssl', ['ca', '-batch', '-config', cnf, '-selfsign', '-keyfile', key, '-in', csr, '-out', cert, '-startdate', '20200101000000Z', '-enddate', '20200201000000Z'], { stdio: 'ignore' });
  return { cert, key };
}
