// Builds the native media forwarder (binding.gyp → build/Release/trunkline_relay.node) with the
// node-gyp npm ships, when the addon is missing or older than its sources. Run by `npm ci`
// (the install script) and `npm run build`. A failed build is reported, not fatal: serve then
// relays with the JS engine and says why (src/media/native-binding.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'build', 'Release', 'trunkline_relay.node');
const sources = [join(root, 'binding.gyp'), ...readdirSync(join(root, 'native', 'relay')).map((f) => join(root, 'native', 'relay', f))];
const mtime = (f) => statSync(f).mtimeMs;
if (existsSync(addon) && sources.every((s) => mtime(s) <= mtime(addon))) process.exit(0);

// Under npm, npm_config_node_gyp names its bundled node-gyp; by hand, node-gyp on PATH or npm's copy.
const candidates = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].filter(Boolean);
const gyp = candidates.find((c) => existsSync(c));
const args = ['rebuild', '--loglevel=warn'];
// Headers of the running Node (Debian: /usr/include/node), so no download is needed.
const nodedir = process.env.npm_config_nodedir ?? (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
if (nodedir) args.push(`--nodedir=${nodedir}`);
const r = gyp
  ? spawnSync(process.execPath, [gyp, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  : spawnSync('node-gyp', args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (r.status !== 0) {
  console.error(`native media engine not built (node-gyp exit ${r.status ?? r.error?.message}); trunkline will relay with the JS engine`);
}
