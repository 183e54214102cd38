import { getSystemErrorName } from 'node:util';
import { loadNativePart, TrunklineError, type NativePartLoad } from '../../core/index.js';
import type { SipTransportErrorCode } from './errors.js';
import type { Destination } from './transport.js';

/** An opaque sender handle (a Node-API external). */
type SenderHandle = { readonly __nativeUdpSender: unique symbol };

/** What native/relay/udp-sender.c exports (see its comments). */
interface NativeSenderBinding {
  senderOpen(host: string, port: number, onDone: () => void, shared: Float64Array): SenderHandle;
  /** The datagram's seq (≥ 0), or a negative errno. */
  senderSend(sender: SenderHandle, data: Uint8Array, ip: string, port: number): number;
  senderPoll(sender: SenderHandle, out: Float64Array): number;
  senderClose(sender: SenderHandle): void;
}

export type NativeSenderLoad = NativePartLoad<NativeSenderBinding>;

let cached: NativeSenderLoad | undefined;

/** TRUNKLINE_NATIVE_SEND=off pretends the addon is missing (dgram sends on the SIP thread, as without a compiler). */
export function loadNativeSender(): NativeSenderLoad {
  return (cached ??= loadNativePart<NativeSenderBinding>('TRUNKLINE_NATIVE_SEND', ['senderOpen', 'senderSend', 'senderPoll', 'senderClose']));
}

interface PendingSend {
  readonly to: Destination;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  failed: boolean;
}

const EINVAL = 22;
const EBADF = 9;
/** Failures read per poll; more are read by polling again. */
const POLL_PAIRS = 32;

/**
 * A UDP socket's sends on the addon's thread: send() copies the datagram into its queue and the
 * returned promise settles when the thread has sent it (rejecting with the errno, as dgram's
 * callback would). Sends leave in the order they were made. The socket stays dgram's (it reads
 * and closes it); close() this first: it sends what is queued and stops the thread.
 */
export class NativeUdpSender {
  readonly #binding: NativeSenderBinding;
  readonly #handle: SenderHandle;
  readonly #out = new Float64Array(1 + 2 * POLL_PAIRS);
  /** [0] the thread's: every seq below it is settled; [1] ours: the seq below which promises are settled. */
  readonly #shared = new Float64Array(new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT));
  /** Sends not yet settled, in seq order from #headSeq at #head. */
  #queue: (PendingSend | undefined)[] = [];
  #head = 0;
  #headSeq = 0;
  #closed = false;

  private constructor(binding: NativeSenderBinding, host: string, port: number) {
    this.#binding = binding;
    this.#handle = binding.senderOpen(host, port, () => this.#settle(), this.#shared);
  }

  /**
   * A sender for the socket bound at host:port, or the reason there is none (the addon is not
   * built, or the socket cannot be found): the caller then sends with dgram.
   */
  static open(host: string, port: number): NativeUdpSender | { readonly reason: string } {
    const loaded = loadNativeSender();
    if (!loaded.ok) return { reason: loaded.reason };
    try {
      return new NativeUdpSender(loaded.binding, host, port);
    } catch (err) {
      return { reason: `native UDP sender for ${host}:${port}: ${(err as Error).message}` };
    }
  }

  /** undefined when the thread cannot take this destination (not the socket's address family): send it with dgram. */
  send(bytes: Buffer, to: Destination): Promise<void> | undefined {
    const seq = this.#binding.senderSend(this.#handle, bytes, to.address, to.port);
    if (seq < 0) {
      if (-seq === EINVAL) return undefined;
      if (-seq === EBADF) return Promise.reject(new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_CLOSED', 'UDP transport is closed'));
      return Promise.reject(sendFailed(to, -seq));
    }
    const sent = new Promise<void>((resolve, reject) => {
      this.#queue.push({ to, resolve, reject, failed: false });
    });
    // What the thread has settled since: read from the shared slot, so a busy stack settles its
    // sends without the thread waking its loop (it does only after QUIET_MS without a send).
    const settled = this.#shared[0];
    if (settled > this.#headSeq) this.#advance(settled);
    return sent;
  }

  /** Sends what is queued, then stops the thread; every promise is settled when it returns. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#binding.senderClose(this.#handle);
    this.#settle();
  }

  #settle(): void {
    const out = this.#out;
    let filled: number;
    do {
      filled = this.#binding.senderPoll(this.#handle, out);
      for (let i = 1; i < filled; i += 2) {
        const p = this.#queue[this.#head + (out[i] - this.#headSeq)];
        if (p === undefined || p.failed) continue;
        p.failed = true;
        p.reject(sendFailed(p.to, out[i + 1]));
      }
      this.#advance(out[0]);
    } while (filled === out.length);
  }

  #advance(doneBelow: number): void {
    const queue = this.#queue;
    while (this.#headSeq < doneBelow && this.#head < queue.length) {
      const p = queue[this.#head];
      // Let go of it: the queue lives on while sends keep coming, and an entry left in it kept its
      // promise and destination through the scavenges to the old generation (issue 13).
      queue[this.#head++] = undefined;
      this.#headSeq++;
      if (p && !p.failed) p.resolve();
    }
    this.#shared[1] = this.#headSeq;
    if (this.#head === queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }
}

function sendFailed(to: Destination, errno: number): TrunklineError<SipTransportErrorCode> {
  let code: string;
  try {
    code = getSystemErrorName(-errno);
  } catch {
    code = `errno ${errno}`;
  }
  const cause = Object.assign(new Error(`send ${code} ${to.address}:${to.port}`), { code, errno: -errno, syscall: 'send', address: to.address, port: to.port });
  return new TrunklineError<SipTransportErrorCode>('SIP_TRANSPORT_SEND_FAILED', `UDP send to ${to.address}:${to.port} failed: ${cause.message}`, { cause, details: { address: to.address, port: to.port } });
}
