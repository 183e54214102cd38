// bundle: one call's support bundle (guide §10) — summary, SIP trace, pcap, media stats, trunk without secrets, latest preflight — as a .tar.gz of our own ustar writer.
export { BundleErrorCodes, type BundleErrorCode } from './errors.js';
export { buildBundle, type Bundle, type BundleOptions, type BundlePorts } from './build-bundle.js';
export { tarArchive, tarGz, type TarEntry } from './tar-writer.js';
export { pcapFromTrace } from './pcap-rebuild.js';
export { localIso, type BundleSummary } from './summary.js';
export type { TrunkSnapshot } from './trunk-snapshot.js';
