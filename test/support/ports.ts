/**
 * The RTP range of every relay the tests start that carries calls (serve children, the edge
 * harness). Below both ranges that busy this box otherwise:
 *  - serve's default 10000-40000, which the benches' and any real serve's relay use, so a test
 *    run beside a load run does not take the ports the bench's calls need (nor the other way);
 *  - Linux's ephemeral range (ip_local_port_range, 32768-60999 by default), from which every
 *    socket bound to port 0 draws, so a relay never takes the port of an rtpSocket() or a RawUac.
 * The relays of test files running side by side share it: each pool starts at a random pair
 * and skips pairs held elsewhere (src/media/port-pool.ts), which these tests exercise.
 */
export const TEST_RTP_PORTS = '6000-9999';

/** `--rtp-ports TEST_RTP_PORTS` unless the caller chose a range itself. */
export function withTestRtpPorts(args: readonly string[]): string[] {
  return args.includes('--rtp-ports') ? [...args] : ['--rtp-ports', TEST_RTP_PORTS, ...args];
}
