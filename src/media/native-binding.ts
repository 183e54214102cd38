import { loadNativePart, type NativePartLoad } from '../core/index.js';

/** An opaque engine handle (a Node-API external). */
export type NativeEngineHandle = { readonly __nativeRelayEngine: unique symbol };

/** What native/relay/relay.c exports (see its comments for the record layout drain() copies). */
export interface NativeRelayBinding {
  create(ringBytes: number): NativeEngineHandle;
  close(engine: NativeEngineHandle): void;
  /** Binds rtpPort and rtpPort + 1; throws an Error whose code is EADDRINUSE, EACCES, EBIND or EINVAL. */
  openLeg(engine: NativeEngineHandle, host: string, rtpPort: number): number;
  /**
   * The relay thread opens and binds rtpPort and rtpPort + 1 ahead of the openLeg that takes
   * them (which then also reports a failed bind). Only for a port taken from the pool.
   */
  prepareLeg(engine: NativeEngineHandle, host: string, rtpPort: number): void;
  /** Drops every prepared pair (their sockets closed): their ports may go back to the pool. */
  releasePrepared(engine: NativeEngineHandle): void;
  closeLeg(engine: NativeEngineHandle, leg: number): void;
  link(engine: NativeEngineHandle, a: number, b: number): void;
  setSdp(engine: NativeEngineHandle, leg: number, ip: string, port: number): void;
  setLatch(engine: NativeEngineHandle, leg: number, ip: string, port: number, ssrc: number): void;
  setEcho(engine: NativeEngineHandle, leg: number, on: boolean): void;
  /** Fills forwarded, bytes, bleed, malformed, unroutable, sendErrors, recordOverflow, latches; false for an unknown leg. */
  counters(engine: NativeEngineHandle, leg: number, out: Float64Array): boolean;
  send(engine: NativeEngineHandle, leg: number, rtcp: boolean, ip: string, port: number, data: Uint8Array): boolean;
  drain(engine: NativeEngineHandle, into: Uint8Array): number;
  /** CLOCK_MONOTONIC in ms, the scale of the records' arrival times. */
  now(): number;
}

export type NativeLoad = NativePartLoad<NativeRelayBinding>;

let cached: NativeLoad | undefined;

/**
 * The relay's part of the native addon. Never throws: a missing or broken addon is a reason, and
 * the caller runs the JS engine instead. TRUNKLINE_NATIVE_RELAY=off pretends it is missing (to
 * test the fallback).
 */
export function loadNativeRelay(): NativeLoad {
  return (cached ??= loadNativePart<NativeRelayBinding>('TRUNKLINE_NATIVE_RELAY', ['create', 'drain']));
}
