// core: the error class, the clock port, ids and the logger port that every layer shares.
export { TrunklineError, isTrunklineError } from './trunkline-error.js';
export { CoreErrorCodes, type CoreErrorCode } from './errors.js';
export { type Clock, type TimerHandle, systemClock, isoSeconds, isoMillis } from './clock.js';
export { coarseClock, type CoarseClockOptions } from './coarse-clock.js';
export { hiddenSlot, type HiddenSlot } from './hidden-slot.js';
export { BoundedMemo } from './bounded-memo.js';
export { newTrunkSid, TRUNK_SID_PATTERN, newCallSid, newRequestId, newBranch, newTag, newCallId, newSecret } from './ids.js';
export { type Logger, silentLogger } from './logger.js';
export { hostPort, sharedHostPort } from './host-port.js';
export { loadNativeAddon, loadNativePart, type NativeAddonLoad, type NativePartLoad } from './native-addon.js';
export { ChurnMap, ChurnSet, FRESH_AFTER_DELETES } from './churn-map.js';
export type { Writable } from './writable.js';
