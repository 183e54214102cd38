import { hostPort } from '../../core/index.js';
import type { Dialog, SipResolver } from '../../sip/index.js';
import type { CallRecorder } from '../record/call-record.js';
import type { Hop, Leg } from './leg.js';
import { hopFromUri, resolveTarget } from './targets.js';

/** A leg's next-hop URI and its RFC 3263 resolution (`hop` once it settled). */
interface NextHop {
  readonly uri: string;
  readonly resolving: Promise<Hop>;
  readonly hop?: Hop;
}

/**
 * Where in-dialog requests for a call's legs go. The caller's leg: its source (symmetric,
 * NAT-safe); a registered contact: its flow. The callee's leg: its next hop by RFC 3261
 * §12.2.1.1 — the first route of the route set, else the remote target as last refreshed
 * (re-INVITE, UPDATE, their 2xx) — found by RFC 3263 (NAPTR/SRV/A) when it names a host, once
 * per URI. The URI the INVITE itself went to stays on the address it was sent to (one of the
 * several RFC 3263 may give).
 */
export class NextHops {
  readonly #a: Leg;
  readonly #recorder: Pick<CallRecorder, 'event'>;
  readonly #resolver: SipResolver | undefined;
  /** b legs to a registered contact's flow (see CallTarget.flow), including abandoned attempts. */
  readonly #flowLegs = new WeakSet<Leg>();
  /** Each b leg's next hop when it is a host name, for the URI it was resolved from. */
  readonly #nextHops = new WeakMap<Leg, NextHop>();

  /** `a`: the caller's leg. */
  constructor(a: Leg, recorder: Pick<CallRecorder, 'event'>, resolver: SipResolver | undefined) {
    this.#a = a;
    this.#recorder = recorder;
    this.#resolver = resolver;
  }

  /** `leg` goes to a registered contact: every request of its dialog keeps to the flow its REGISTER came on. */
  overFlow(leg: Leg): void {
    this.#flowLegs.add(leg);
  }

  hopFor(leg: Leg, dialog: Dialog | undefined = leg.dialog): Hop | Promise<Hop> {
    if (leg === this.#a || this.#flowLegs.has(leg)) return leg.hop;
    const uri = dialog ? dialog.nextHop() : leg.remoteTarget;
    if (uri === leg.requestTarget) return leg.hop;
    const numeric = hopFromUri(uri, leg.hop.protocol);
    if (numeric) return numeric;
    let next = this.#nextHops.get(leg);
    if (next?.uri !== uri) this.#nextHops.set(leg, (next = this.#resolve(uri, leg)));
    return next.hop ?? next.resolving;
  }

  #resolve(uri: string, leg: Leg): NextHop {
    const next: { uri: string; resolving: Promise<Hop>; hop?: Hop } = { uri, resolving: Promise.resolve(leg.hop) };
    next.resolving = resolveTarget(uri, this.#resolver).then((r) => {
      if (!r.ok) this.#recorder.event('route', `next hop ${uri} does not resolve (${r.detail}); in-dialog requests stay on ${hostPort(leg.hop.address, leg.hop.port)}`);
      return (next.hop = r.ok ? r.hops[0]! : leg.hop);
    });
    return next;
  }

  /** Runs `send` with `leg`'s next hop: at once when it is known, once resolved when it is a new host name. */
  toward(leg: Leg, send: (hop: Hop) => void): void {
    const hop = this.hopFor(leg);
    if (hop instanceof Promise) void hop.then(send);
    else send(hop);
  }
}
