import { loadNativeRelay, type MediaEngineName } from '../../src/media/index.js';

/**
 * The media engines every relay behaviour test runs against: node:dgram on the main loop and
 * the native forwarder. The native one is built by `npm ci`; if it failed to build, its tests
 * fail (loudly) rather than skip.
 */
export function mediaEngines(): readonly MediaEngineName[] {
  const loaded = loadNativeRelay();
  if (!loaded.ok && process.env.TRUNKLINE_NATIVE_RELAY !== 'off') console.error(`native media engine: ${loaded.reason}`);
  return ['js', 'native'];
}

/** One half of a test's port range per engine, so both engines' relays never share ports. */
export function engineRange(range: string, engine: MediaEngineName): string {
  const [lo, hi] = range.split('-').map(Number);
  const mid = lo + 2 * Math.floor((hi - lo + 1) / 4);
  return engine === 'js' ? `${lo}-${mid - 1}` : `${mid}-${hi}`;
}
