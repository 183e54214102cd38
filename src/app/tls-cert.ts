import { execFile } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TrunklineError } from '../core/index.js';

const run = promisify(execFile);

/**
 * `--tls-self-signed`: a certificate for SIP over TLS made at start-up with the `openssl`
 * binary (no npm dependency for something every host has), kept in <data-dir>/tls/ and
 * reused while it is valid for another day. Peers must be told not to verify it.
 */
export async function ensureSelfSignedCert(dataDir: string, names: readonly string[] = ['localhost']): Promise<{ key: Buffer; cert: Buffer; certFile: string }> {
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'self-signed-cert.pem');
  const keyFile = join(dir, 'self-signed-key.pem');
  const exists = await stat(certFile).then(() => stat(keyFile)).then(() => true, () => false);
  if (exists) {
    const valid = await run('openssl', ['x509', '-checkend', '86400', '-noout', '-in', certFile]).then(() => true, () => false);
    if (valid) return { key: await readFile(keyFile), cert: await readFile(certFile), certFile };
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const san = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1', 'IP:0:0:0:0:0:0:0:1'].join(',');
  try {
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '365', '-subj', `/CN=${names[0] ?? 'localhost'}`, '-addext', `subjectAltName=${san}`,
    ], { timeout: 20_000 });
  } catch (err) {
    throw new TrunklineError('APP_START_FAILED', `could not generate a self-signed TLS certificate with openssl: ${(err as Error).message}`, { cause: err });
  }
  return { key: await readFile(keyFile), cert: await readFile(certFile), certFile };
}
