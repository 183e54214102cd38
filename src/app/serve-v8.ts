import { setFlagsFromString } from 'node:v8';

/**
 * V8's allocation-site pretenuring off for serve's process (issue 13). V8 watches the object and
 * array literals whose objects outlive a scavenge and, past a ratio, allocates that literal's later
 * objects straight in the old generation. On serve's path a call's objects live a few ms, but the
 * literals of those held across a scavenge now and then (a record's rows until the writer thread's
 * commit, a call's state while its far side answers) were judged long-lived: their objects were
 * then born old, died at once, and as old garbage kept every young object they pointed to (traces,
 * parsed messages, SDP) alive through the scavenges — ~75 % of what serve promoted. At 250 calls/s
 * (`bench/edge-cps --node-arg --trace-gc-nvp`): 31.4 → 7.8 KB promoted per call, mean scavenge
 * pause 6 → 3 ms, serve's CPU 2.7 → 2.5 ms per call. Set as the process starts, before the first
 * call; V8 flags are per process, so serve's worker threads have it too.
 */
export function tuneV8ForServe(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
