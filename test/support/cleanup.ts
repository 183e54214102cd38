import type { TestContext } from 'node:test';

/**
 * Stops what a test starts, the last started first, however the test ends (a failed setup step
 * included). Register each thing right after it starts, before the next await that can throw: a
 * serve or socket left running keeps the test file from ever exiting.
 */
export function cleanup(t: TestContext): (stop: () => unknown) => void {
  const stops: (() => unknown)[] = [];
  // One t.after running the list backwards: Node runs t.after hooks in the order they were added.
  t.after(async () => {
    const errors: unknown[] = [];
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'stopping what the test started');
  });
  return (stop) => {
    stops.push(stop);
  };
}
