import type { Logger } from '../../core/index.js';
import { formatHostPort } from '../../sip/index.js';
import type { CallTarget } from '../call/call.js';
import type { CallRecorder } from '../record/call-record.js';
import type { TrunkView } from '../ports/directory.js';
import type { BindingStore } from './registrar.js';

/**
 * Where an inbound call to a trunk that takes registrations goes first: its registered
 * contacts, tried one after the other in q order (RFC 3261 §16.6 step 1 / §20.10: highest q
 * first, no q counting as 1.0; equal q, the most recently refreshed first), before the trunk's
 * destination URIs. Sequential rather than parallel forking: it reuses the failover of
 * destination URIs (next target on timeout, transport error or a failover code), and a PBX
 * that registered several contacts seldom wants them all to ring at once.
 *
 * Each target keeps the registered Contact as its Request-URI (RFC 3261 §10.3, §16.5) but is
 * sent to the flow the REGISTER came on (its source address and port, its TCP connection),
 * because behind NAT the Contact names an address the edge cannot reach (RFC 5626 §5.3).
 */
export async function registeredTargets(store: BindingStore | undefined, trunk: TrunkView, recorder: CallRecorder, log: Logger, noResponseMs: number): Promise<CallTarget[]> {
  if (!store) return [];
  let bindings;
  try {
    bindings = await store.current(trunk.trunkSid);
  } catch (err) {
    // The destination URIs still get the call; the timeline says why the registrations were skipped.
    log.warn({ err, trunk_sid: trunk.trunkSid }, 'reading registrations failed');
    recorder.event('route', `registered contacts skipped: ${String(err)}`);
    return [];
  }
  if (bindings.length === 0) recorder.event('route', 'no registered contact on the trunk');
  return bindings.map((b) => {
    const via = `${b.transport} ${formatHostPort(b.source_address, b.source_port)}`;
    recorder.event('route', `registered contact ${b.contact} of ${b.aor}${b.q === null ? '' : ` (q=${b.q})`} via its flow ${via}`);
    return {
      uri: b.contact,
      hop: { protocol: b.transport, address: b.source_address, port: b.source_port, ...(b.connection_id ? { connectionId: b.connection_id } : {}) },
      flow: true,
      noResponseMs,
    };
  });
}
