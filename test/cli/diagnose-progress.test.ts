import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// SPEC §5: "a large file shows progress" — a bar on stderr for input over 50 MB, only when stderr
// is a terminal (util-linux `script` gives the child a pty); never on a pipe, where it would
// pollute logs.
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SCRIPT = '/usr/bin/script';

/** A 52 MB pcap of 800 Ethernet frames of 64 KiB with an unassigned EtherType: valid, fast to read, nothing to decode. */
function bigPcap(path: string): void {
  const fd = openSync(path, 'w');
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  writeSync(fd, header);
  const len = 65536;
  const rec = Buffer.alloc(16 + len);
  rec.writeUInt32LE(len, 8);
  rec.writeUInt32LE(len, 12);
  rec.writeUInt16BE(0x88b5, 16 + 12); // IEEE 802 local experimental EtherType
  for (let i = 0; i < 800; i++) {
    rec.writeUInt32LE(1_700_000_000 + i, 0);
    writeSync(fd, rec);
  }
  closeSync(fd);
}

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr }),
    );
  });
}

test('a capture over 50 MB shows a progress bar on a terminal, and none on a pipe', { skip: existsSync(SCRIPT) ? false : `${SCRIPT} (util-linux) is not installed` }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-progress-'));
  try {
    const big = join(dir, 'big.pcap');
    bigPcap(big);
    const piped = await run(process.execPath, [CLI, 'diagnose', big]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr, /reading \[/);
    assert.match(piped.stdout, /800 packets/);
    // script -q -e -c CMD LOGFILE: CMD runs on a pty; its output (the bar included) is echoed to our stdout.
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} diagnose ${JSON.stringify(big)}`;
    const tty = await run(SCRIPT, ['-q', '-e', '-c', cmd, '/dev/null']);
    assert.equal(tty.code, 0, tty.stderr);
    assert.match(tty.stdout, /reading \[[=-]+\] \d+% \| \d+\/5\d MB/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
