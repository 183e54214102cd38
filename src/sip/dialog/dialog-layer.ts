import { ChurnMap, type Clock, type TimerHandle } from '../../core/index.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import { RFC3261_TIMERS, type TimerSettings } from '../transaction/timers.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import type { Destination } from '../transport/transport.js';
import { type Dialog, type DialogId, dialogFromRequest, dialogFromResponse, dialogKey } from './dialog.js';

export interface DialogLayerOptions {
  readonly transactions: TransactionLayer;
  readonly clock: Clock;
  readonly timers?: TimerSettings;
}

export interface AcceptOptions {
  /** RFC 3261 §13.3.1.4: no ACK within 64*T1 — the TU should end the session with a BYE. */
  onNoAck?(dialog: Dialog | undefined): void;
  /**
   * The remote target when the INVITE has no Contact (§8.1.1.8 requires one): given, the answer
   * still makes a dialog, so the peer's BYE is matched to it; absent, no dialog is made.
   */
  targetWithoutContact?: string;
}

export interface InviteResponseOptions {
  /** Told of every ACK sent for a 2xx (the first and each resend), e.g. for a call's trace. */
  onAck?(ack: SipRequest, to: Destination): void;
  /** As AcceptOptions.targetWithoutContact, for a 2xx or 1xx-with-tag that has no Contact. */
  targetWithoutContact?: string;
}

interface Pending2xx {
  readonly timer: { handle: TimerHandle | undefined };
  readonly onNoAck?: (dialog: Dialog | undefined) => void;
}

/**
 * The dialogs of this element (RFC 3261 §12) and the two jobs RFC 3261 gives the TU around a
 * 2xx to INVITE: the UAS core retransmits the 2xx until the ACK comes (§13.3.1.4), and the UAC
 * core ACKs every 2xx, retransmissions included, with the same ACK (§13.2.2.4).
 */
export class DialogLayer {
  readonly #tx: TransactionLayer;
  readonly #clock: Clock;
  readonly #timers: TimerSettings;
  readonly #dialogs = new ChurnMap<string, Dialog>();
  readonly #pending = new ChurnMap<string, Pending2xx>();
  readonly #acks = new ChurnMap<string, { ack: SipRequest; to: Destination | Promise<Destination> }>();
  /** The #pending and #acks keys of each dialog, so removing one costs its own entries, not a scan of all. */
  readonly #keysOf = new ChurnMap<string, Set<string>>();

  constructor(options: DialogLayerOptions) {
    this.#tx = options.transactions;
    this.#clock = options.clock;
    this.#timers = options.timers ?? RFC3261_TIMERS;
  }

  get size(): number {
    return this.#dialogs.size;
  }

  add(dialog: Dialog): Dialog {
    this.#dialogs.set(dialog.key, dialog);
    return dialog;
  }

  remove(dialog: Dialog): void {
    dialog.terminate();
    this.#dialogs.delete(dialog.key);
    for (const key of this.#keysOf.get(dialog.key) ?? []) {
      this.#stopRetransmit(key);
      this.#acks.delete(key);
    }
    this.#keysOf.delete(dialog.key);
  }

  /** RFC 3261 §12.2.2: the dialog of an incoming request — our tag is in To, the peer's in From. */
  forRequest(request: SipRequest): Dialog | undefined {
    const callId = safe(() => request.headers.callId());
    const local = safe(() => request.headers.to()?.tag);
    const remote = safe(() => request.headers.from()?.tag);
    if (!callId || !local || !remote) return undefined;
    return this.#dialogs.get(dialogKey({ callId, localTag: local, remoteTag: remote }));
  }

  /** The dialog of an answer we sent (UAS) — our tag is in To, the peer's in From. */
  #dialogOfAnswer(response: SipResponse): Dialog | undefined {
    const callId = safe(() => response.headers.callId());
    const local = safe(() => response.headers.to()?.tag);
    const remote = safe(() => response.headers.from()?.tag);
    if (!callId || !local || !remote) return undefined;
    return this.#dialogs.get(dialogKey({ callId, localTag: local, remoteTag: remote }));
  }

  /** The dialog of a response to our request — our tag is in From, the peer's in To. */
  forResponse(response: SipResponse): Dialog | undefined {
    const callId = safe(() => response.headers.callId());
    const local = safe(() => response.headers.from()?.tag);
    const remote = safe(() => response.headers.to()?.tag);
    if (!callId || !local || !remote) return undefined;
    return this.#dialogs.get(dialogKey({ callId, localTag: local, remoteTag: remote }));
  }

  /**
   * UAS: send `response` (1xx with To tag, or 2xx) to the INVITE of `tx`, creating or confirming
   * its dialog. A 2xx is retransmitted at T1, 2·T1 … up to T2 until the ACK or 64·T1 (§13.3.1.4).
   */
  answerInvite(tx: ServerTransaction, response: SipResponse, options: AcceptOptions = {}): Dialog | undefined {
    const localTag = response.headers.to()?.tag;
    // Taken before answering: a final response makes the transaction let go of its request.
    const request = tx.lastStatus < 200 ? tx.request : undefined;
    // Past a final this throws SIP_TX_FINAL_SENT, except for a 2xx after a 2xx (RFC 6026 §7.1).
    tx.respond(response);
    if (!localTag) return undefined;
    // That 2xx again: its dialog and retransmissions were set up by the first.
    if (!request) return this.#dialogOfAnswer(response);
    const seq = safe(() => request.headers.cseq()?.seq) ?? 0;
    const probe = dialogFromRequest(request, localTag, response, options.targetWithoutContact);
    if (!probe) {
      // No Contact in the INVITE (§8.1.1.8 requires one) makes no dialog, but the 2xx must still reach the peer.
      const id = idOf(request, localTag);
      if (id && response.status >= 200 && response.status < 300) this.#retransmit2xx(dialogKey(id), undefined, tx, seq, response, options);
      return undefined;
    }
    const dialog = this.#dialogs.get(probe.key) ?? this.add(probe);
    if (response.status >= 200 && response.status < 300) {
      dialog.confirm();
      this.#retransmit2xx(dialog.key, dialog, tx, seq, response, options);
    } else if (response.status >= 300 && dialog.state === 'early') {
      // A failed re-INVITE leaves its confirmed dialog as it was (RFC 3261 §14.1); only an early one ends.
      this.remove(dialog);
    }
    return dialog;
  }

  #retransmit2xx(dialogId: string, dialog: Dialog | undefined, tx: ServerTransaction, seq: number, response: SipResponse, options: AcceptOptions): void {
    const key = `${dialogId}|${seq}`;
    this.#stopRetransmit(key);
    const timer: { handle: TimerHandle | undefined } = { handle: undefined };
    this.#pending.set(key, { timer, ...(options.onNoAck ? { onNoAck: options.onNoAck } : {}) });
    if (dialog) this.#track(dialog, key);
    const { T1, T2 } = this.#timers;
    const deadline = 64 * T1;
    let elapsed = 0;
    const arm = (interval: number) => {
      timer.handle = this.#clock.setTimer(interval, () => {
        elapsed += interval;
        if (!this.#pending.has(key)) return;
        if (elapsed >= deadline) {
          const p = this.#pending.get(key);
          this.#pending.delete(key);
          p?.onNoAck?.(dialog);
          return;
        }
        try {
          tx.retransmit2xx(response);
        } catch {
          // The transaction ended (timer L); retransmit statelessly to the same place.
          void this.#tx.resend(response, tx.responseDestination).catch(() => undefined);
        }
        arm(Math.min(2 * interval, T2));
      });
    };
    arm(T1);
  }

  #track(dialog: Dialog, key: string): void {
    let keys = this.#keysOf.get(dialog.key);
    if (!keys) this.#keysOf.set(dialog.key, (keys = new Set()));
    keys.add(key);
  }

  #stopRetransmit(key: string): void {
    this.#pending.get(key)?.timer.handle?.cancel();
    this.#pending.delete(key);
  }

  /** The ACK for a 2xx (TransactionUser.onAck): stops the 2xx retransmissions; returns its dialog. */
  receiveAck(ack: SipRequest): Dialog | undefined {
    const callId = safe(() => ack.headers.callId());
    const local = safe(() => ack.headers.to()?.tag);
    const remote = safe(() => ack.headers.from()?.tag);
    if (!callId || !local || !remote) return undefined;
    const key = dialogKey({ callId, localTag: local, remoteTag: remote });
    this.#stopRetransmit(`${key}|${safe(() => ack.headers.cseq()?.seq) ?? 0}`);
    return this.#dialogs.get(key);
  }

  /**
   * UAC: a response to our INVITE (provisional with tag, or 2xx). Creates the (early) dialog, and
   * for a 2xx sends the ACK to `ackDestination` — the same ACK again for each retransmitted 2xx.
   * A destination still being resolved (RFC 3263, a target refreshed to a host name) is waited for.
   */
  receiveInviteResponse(invite: SipRequest, response: SipResponse, ackDestination?: Destination | ((dialog: Dialog) => Destination | Promise<Destination>), options: InviteResponseOptions = {}): Dialog | undefined {
    if (response.status < 101 || response.status >= 300) return undefined;
    let dialog = this.forResponse(response);
    if (!dialog) {
      const made = dialogFromResponse(invite, response, options.targetWithoutContact);
      if (!made) return undefined;
      dialog = this.add(made);
    }
    dialog.receiveResponse(response);
    if (response.status >= 200 && ackDestination) {
      const seq = invite.headers.cseq()?.seq ?? 0;
      const key = `${dialog.key}|${seq}`;
      const cached = this.#acks.get(key);
      if (cached) {
        const resend = (to: Destination) => {
          options.onAck?.(cached.ack, to);
          void this.#tx.resend(cached.ack, to).catch(() => undefined);
        };
        if (cached.to instanceof Promise) void cached.to.then(resend, () => undefined);
        else resend(cached.to);
      } else {
        // The destination may depend on the dialog just learnt (its remote target, RFC 3261 §12.2.1.1).
        const to = typeof ackDestination === 'function' ? ackDestination(dialog) : ackDestination;
        const ack = dialog.createAck(seq);
        this.#acks.set(key, { ack, to });
        this.#track(dialog, key);
        const send = (d: Destination) => {
          const sent = this.#tx.sendStateless(ack, d);
          options.onAck?.(ack, d);
          void sent.catch(() => undefined);
        };
        if (to instanceof Promise) void to.then(send, () => undefined);
        else send(to);
      }
    }
    return dialog;
  }
}

/** The dialog id a UAS answer with `localTag` gives the request (RFC 3261 §12.1.1), Contact or not. */
function idOf(request: SipRequest, localTag: string): DialogId | undefined {
  const callId = safe(() => request.headers.callId());
  const remoteTag = safe(() => request.headers.from()?.tag);
  return callId && remoteTag ? { callId, localTag, remoteTag } : undefined;
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
