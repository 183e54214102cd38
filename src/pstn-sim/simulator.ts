import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { BoundedMemo, newCallId, newTag, TrunklineError, type Clock, type Logger, type TimerHandle } from '../core/index.js';
import { createRequest, createResponse, SipHeaders, type Dialog, type SipRequest, type SipResponse } from '../sip/index.js';
import { EchoEndpoint, EchoPool, simSdp } from './echo.js';
import type { PstnSimErrorCode } from './errors.js';
import { scriptFor } from './script.js';

/**
 * The built-in carrier (SPEC §2): answers INVITEs from the edge by the test-number table and
 * echoes the audio of answered calls; originates test calls towards the edge. It speaks SIP
 * through the same stack as the edge (sip/endpoint: transactions and dialog layer), on its own port.
 */
export interface SimServerTx {
  readonly request: SipRequest;
  /** Sends a response; one to an INVITE that makes a dialog returns it (the stack retransmits a 2xx until the ACK). */
  respond(response: SipResponse): Dialog | undefined;
  onCancel(handler: () => void): void;
}

export interface SimClientEvents {
  onResponse(response: SipResponse): void;
  onTimeout(): void;
  onTransportError(detail: string): void;
}

export interface SimHop {
  readonly protocol: 'udp' | 'tcp' | 'tls';
  readonly address: string;
  readonly port: number;
}

/** What the simulator needs from the SIP stack (sim-server adapts the endpoint to it). */
export interface SimSipPort {
  sendRequest(request: SipRequest, hop: SimHop, events: SimClientEvents): void;
  /** RFC 3261 §12.1.2 / §13.2.2.4 by the dialog layer: the dialog of a response to our INVITE; every 2xx is ACKed (to `hop`). */
  inviteResponse(invite: SipRequest, response: SipResponse, hop: SimHop): Dialog | undefined;
  /** RFC 3261 §12.2.2 by the dialog layer: the dialog of an incoming request (Call-ID, both tags). */
  dialogFor(request: SipRequest): Dialog | undefined;
  /** The call ended: its dialog leaves the stack's table. */
  forget(dialog: Dialog): void;
}

export interface SimOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** The simulator's own SIP address (Contact) and media host. */
  readonly host: string;
  readonly port: number;
  /** How long an answered test call stays up before the simulator hangs up. */
  readonly testCallHoldMs?: number;
}

interface SimDialog {
  /** The stack's dialog, once a response made it. */
  dialog?: Dialog;
  timers: TimerHandle[];
  echo?: EchoEndpoint;
  answered: boolean;
  ended: boolean;
}

export class PstnSimulator {
  readonly #o: SimOptions;
  #port: SimSipPort | undefined;
  /** Every call the simulator holds, answered or not. */
  readonly #calls = new Set<SimDialog>();
  /** The calls by the stack's dialog: in-dialog requests are matched by the dialog layer, not here. */
  readonly #byDialog = new Map<Dialog, SimDialog>();
  /** Media of test calls not answered yet, closed with the simulator. */
  readonly #pendingEcho = new Set<EchoEndpoint>();
  /** Answered calls' media endpoints, parked between calls. */
  readonly #echoes: EchoPool;
  /** Counters for tests and the README's "what happened" answers. */
  readonly stats = { invites: 0, answered: 0, echoedPackets: 0, originated: 0 };

  constructor(options: SimOptions) {
    this.#o = options;
    this.#echoes = new EchoPool(options.host);
  }

  attach(port: SimSipPort): void {
    this.#port = port;
  }

  /** Numbers ending in 0408 get no answer at all, not even 100 Trying: the caller side must time out (edge answers 504). */
  static silent(request: SipRequest): boolean {
    if (request.method !== 'INVITE' || request.headers.to()?.tag) return false;
    try {
      return scriptFor(request.requestUri.user ?? '').behaviour.kind === 'no-response';
    } catch {
      return false;
    }
  }

  get activeCalls(): number {
    return this.#calls.size;
  }

  onRequest(tx: SimServerTx): void {
    const req = tx.request;
    if (req.method === 'INVITE' && !req.headers.to()?.tag) return void this.#invite(tx);
    const dialog = this.#port?.dialogFor(req);
    const d = dialog && this.#byDialog.get(dialog);
    if (!d) return void tx.respond(createResponse(req, req.method === 'OPTIONS' ? 200 : 481, req.method === 'OPTIONS' ? 'OK' : undefined));
    if (req.method === 'BYE') {
      tx.respond(createResponse(req, 200, 'OK'));
      return this.#end(d);
    }
    if (req.method === 'INVITE') {
      // A re-INVITE (hold, resume, refresh): same media endpoint, new session version (RFC 3264 §8).
      const body = d.echo ? simSdp(this.#o.host, d.echo.port, 2) : undefined;
      return void tx.respond(createResponse(req, 200, 'OK', { headers: [['Contact', this.#contact()], ...(body ? [['Content-Type', 'application/sdp'] as const] : [])], ...(body ? { body } : {}) }));
    }
    tx.respond(createResponse(req, 200, 'OK'));
  }

  async #invite(tx: SimServerTx): Promise<void> {
    this.stats.invites++;
    const req = tx.request;
    const number = req.requestUri.user ?? '';
    const localTag = newTag();
    if (number !== 'echo' && !inPlan.get(number)) {
      return void tx.respond(createResponse(req, 604, 'Does Not Exist Anywhere', { toTag: localTag, headers: [['Reason', `SIP;cause=604;text="${number} is not in the numbering plan"`]] }));
    }
    const script = scriptFor(number);
    const d: SimDialog = { timers: [], answered: false, ended: false };
    this.#calls.add(d);
    tx.onCancel(() => {
      if (d.answered || d.ended) return;
      tx.respond(createResponse(req, 487, 'Request Terminated', { toTag: localTag }));
      this.#end(d);
    });
    const needsMedia = script.steps.some((s) => s.withSdp);
    if (needsMedia) {
      const echo = await this.#echoes.take(script.echo);
      // A CANCEL may have ended the call while the endpoint opened.
      if (d.ended) return this.#echoes.give(echo);
      d.echo = echo;
    }
    for (const step of script.steps) {
      if (step.status === 100) continue; // the transaction layer sent it already
      const send = () => {
        if (d.ended) return;
        const sdp = step.withSdp && d.echo ? simSdp(this.#o.host, d.echo.port) : undefined;
        const headers: [string, string][] = [];
        // RFC 3261 §12.1.1: the UAS copies Record-Route into responses that create the dialog.
        if (step.status > 100 && step.status < 300) for (const rr of req.headers.getAll('Record-Route')) headers.push(['Record-Route', rr]);
        if (step.status < 300) headers.push(['Contact', this.#contact()]);
        if (step.status >= 300) headers.push(['Reason', `SIP;cause=${step.status};text="PSTN simulator test number ${number}"`]);
        if (sdp) headers.push(['Content-Type', 'application/sdp']);
        const dialog = tx.respond(createResponse(req, step.status, step.reason, { toTag: localTag, headers, ...(sdp ? { body: sdp } : {}) }));
        if (dialog && dialog !== d.dialog) this.#hold(d, dialog);
        if (step.status >= 200 && step.status < 300) {
          d.answered = true;
          this.stats.answered++;
        } else if (step.status >= 300) this.#end(d);
      };
      if (step.afterMs === 0) send();
      else d.timers.push(this.#o.clock.setTimer(step.afterMs, send));
    }
  }

  #hold(d: SimDialog, dialog: Dialog): void {
    if (d.dialog) this.#byDialog.delete(d.dialog);
    d.dialog = dialog;
    this.#byDialog.set(dialog, d);
  }

  #end(d: SimDialog): void {
    d.ended = true;
    for (const t of d.timers) t.cancel();
    if (d.echo) {
      this.stats.echoedPackets += d.echo.packets;
      this.#echoes.give(d.echo);
    }
    this.#calls.delete(d);
    if (d.dialog) {
      this.#byDialog.delete(d.dialog);
      this.#port?.forget(d.dialog);
    }
  }

  #contact(): string {
    const h = this.#o.host.includes(':') ? `[${this.#o.host}]` : this.#o.host;
    return `<sip:pstn-sim@${h}:${this.#o.port}>`;
  }

  /**
   * A test call (SPEC §1 test-calls): the simulator calls `to` (one of the account's numbers)
   * through the edge, holds an answered call for testCallHoldMs with echo, then hangs up.
   * The edge records it under `callSid`, which it takes from X-Trunkline-Call-Sid because the
   * simulator is a trusted carrier source.
   */
  async originate(opts: { to: string; from?: string; edge: SimHop; edgeDomain: string; callSid: string }): Promise<void> {
    const port = this.#port;
    if (!port) throw new TrunklineError<PstnSimErrorCode>('PSTN_SIM_NOT_RUNNING', 'the PSTN simulator has no SIP transport', {});
    const to = parsePhoneNumberFromString(opts.to);
    if (!to?.isValid()) throw new TrunklineError<PstnSimErrorCode>('PSTN_SIM_NUMBER_INVALID', `${opts.to} is not valid in its numbering plan`, { details: { to: opts.to } });
    this.stats.originated++;
    const echo = await EchoEndpoint.open(this.#o.host, true);
    this.#pendingEcho.add(echo);
    const closeEcho = () => {
      this.#pendingEcho.delete(echo);
      echo.close();
    };
    const callId = newCallId(this.#o.host);
    const tag = newTag();
    const from = opts.from ?? '+919876500000';
    const fromHdr = `<sip:${from}@${this.#o.host}>;tag=${tag}`;
    const ruri = `sip:${to.number}@${opts.edgeDomain}`;
    const h = new SipHeaders([
      ['Max-Forwards', '70'], ['From', fromHdr], ['To', `<${ruri}>`], ['Call-ID', callId], ['CSeq', '1 INVITE'],
      ['Contact', this.#contact()], ['X-Trunkline-Call-Sid', opts.callSid], ['Content-Type', 'application/sdp'],
    ]);
    const invite = createRequest({ method: 'INVITE', uri: ruri, headers: h, body: simSdp(this.#o.host, echo.port) });
    let done = false;
    port.sendRequest(invite, opts.edge, {
      onResponse: (res) => {
        if (res.status < 200) return;
        // The dialog layer ACKs every 2xx (a retransmitted one with the same ACK) and learns the
        // target and route set (RFC 3261 §12.1.2: Record-Route reversed, e.g. Kamailio in between).
        const dialog = res.status < 300 ? port.inviteResponse(invite, res, opts.edge) : undefined;
        if (done) return;
        done = true;
        if (!dialog) return closeEcho();
        this.#pendingEcho.delete(echo);
        const d: SimDialog = { timers: [], echo, answered: true, ended: false };
        this.#calls.add(d);
        this.#hold(d, dialog);
        d.timers.push(this.#o.clock.setTimer(this.#o.testCallHoldMs ?? 10_000, () => {
          if (d.ended) return;
          port.sendRequest(dialog.createRequest('BYE'), opts.edge, { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} });
          this.#end(d);
        }));
      },
      onTimeout: closeEcho,
      onTransportError: closeEcho,
    });
  }

  /** Ends every simulated call (shutdown). */
  close(): void {
    for (const d of this.#calls) this.#end(d);
    for (const e of this.#pendingEcho) e.close();
    this.#pendingEcho.clear();
    this.#echoes.close();
  }
}

/**
 * Whether a dialled number is in its numbering plan, kept by the number: the plan lookup was
 * ~50 µs an INVITE, and the simulator shares serve's cores (bench/edge-cps); the same numbers
 * are dialled again and again.
 */
const inPlan = new BoundedMemo<boolean>(4096, (number) => parsePhoneNumberFromString(number.startsWith('+') ? number : `+${number}`)?.isValid() === true);
