import { isTrunklineError } from '../../../src/core/index.js';
export { explain, lookup } from '../../../src/diagnosis/index.js';

export function isTrunklineErrorLike(fn: () => unknown, code: string): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    return isTrunklineError(err, code);
  }
}
