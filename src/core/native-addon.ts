import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The native addon (build/Release/trunkline_relay.node, built by `npm ci` through binding.gyp):
 * the media relay's engine and the SIP UDP sender. One addon for both layers, loaded once; each
 * layer checks the exports it needs and falls back to its JavaScript path with the reason.
 */
export type NativeAddonLoad =
  | { readonly ok: true; readonly exports: Readonly<Record<string, unknown>>; readonly path: string }
  | { readonly ok: false; readonly reason: string };

let cached: NativeAddonLoad | undefined;

/** Never throws: a missing or broken addon is a reason. */
export function loadNativeAddon(): NativeAddonLoad {
  if (cached) return cached;
  if (process.platform !== 'linux') return (cached = { ok: false, reason: `the native addon is Linux only (recvmmsg/sendmmsg/epoll), not ${process.platform}` });
  // dist/src/core/ → the repository root, where node-gyp builds.
  const path = fileURLToPath(new URL('../../../build/Release/trunkline_relay.node', import.meta.url));
  if (!existsSync(path)) return (cached = { ok: false, reason: `${path} is not built (npm ci builds it; node-gyp rebuild by hand)` });
  try {
    const exports = createRequire(import.meta.url)(path) as Record<string, unknown>;
    return (cached = { ok: true, exports, path });
  } catch (err) {
    return (cached = { ok: false, reason: `${path} failed to load: ${(err as Error).message}` });
  }
}

export type NativePartLoad<T> = { readonly ok: true; readonly binding: T; readonly path: string } | { readonly ok: false; readonly reason: string };

/**
 * One layer's part of the addon: `offVariable`=off in the environment pretends it is missing (to
 * run and test the JavaScript fallback), and an addon built before the part existed lacks the
 * functions `required` names. Never throws.
 */
export function loadNativePart<T>(offVariable: string, required: readonly string[]): NativePartLoad<T> {
  if (process.env[offVariable] === 'off') return { ok: false, reason: `${offVariable}=off` };
  const addon = loadNativeAddon();
  if (!addon.ok) return addon;
  const missing = required.filter((name) => typeof addon.exports[name] !== 'function');
  if (missing.length > 0) return { ok: false, reason: `${addon.path} lacks ${missing.join(', ')} (built before them: npm run build rebuilds it)` };
  return { ok: true, binding: addon.exports as unknown as T, path: addon.path };
}
