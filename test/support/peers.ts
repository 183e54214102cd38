import { accessSync, constants } from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';

// The Debian peers the interop tests talk to. A test that needs one asks `peerSkip(name)`:
// false when the program is found, else the reason it skips, naming the Debian package that
// provides it (the list .ci/run installs), so `npm test` passes on a machine without them.

/** Debian package of each peer (what `.ci/run` installs). */
export const DEBIAN_PACKAGE: Readonly<Record<string, string>> = {
  tshark: 'tshark',
  kamailio: 'kamailio',
  baresip: 'baresip',
  sipp: 'sip-tester',
  rtpengine: 'rtpengine-daemon',
  chromium: 'chromium',
  perl: 'perl',
  tcpdump: 'tcpdump',
  openssl: 'openssl',
  script: 'bsdutils',
};

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of `name` on PATH, or undefined. Debian puts daemons (kamailio) in /usr/sbin,
 * which a non-root user's PATH lacks, so the `sbin` beside each `bin` directory on PATH is
 * looked in too — a PATH without /usr/bin therefore hides /usr/sbin as well.
 */
export function findPeer(name: string, path: string = process.env.PATH ?? ''): string | undefined {
  const dirs = path.split(delimiter).filter((d) => d !== '');
  const withSbin = dirs.flatMap((d) => (basename(d) === 'bin' ? [d, join(dirname(d), 'sbin')] : [d]));
  for (const dir of withSbin) {
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/** `false` when the peer is installed; otherwise the skip reason, naming its Debian package. */
export function peerSkip(name: string): string | false {
  return findPeer(name) ? false : `${name} not installed (Debian package ${DEBIAN_PACKAGE[name] ?? name}; .ci/run installs it)`;
}
