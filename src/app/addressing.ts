import { isIP } from 'node:net';
import { isWildcard, type SourceAddresses } from '../sip/index.js';
import type { Config } from './config.js';

/**
 * Which address each peer is given (issue 11 item 1). A listener on a wildcard (the default
 * 0.0.0.0) has no address of its own to put in Contact, Via or SDP c= — a peer cannot send to
 * 0.0.0.0 — so: serve's --public-address / --media-address when set (a host behind NAT knows
 * its public address, the kernel does not); otherwise, per peer, the local address packets to
 * that peer leave from (SourceAddresses: the kernel's route choice), so a PBX on one network
 * and a carrier on another each get the address they can reach.
 */
export interface Addressing {
  /** SIP towards `peer`: Contact, Via sent-by, and the address the call record and pcap show for us. */
  sipFor(peer: string): string;
  /** SDP towards `peer`: the relay's c=/o= address on the leg facing it. */
  mediaFor(peer: string): string;
  /** The relay's address before the peer of a leg is known. */
  readonly mediaDefault: string;
  /** Learns the kernel's choice towards `peer`, so the next sipFor/mediaFor answer is it (no-op when fixed). */
  prepare(peer: string): Promise<void>;
}

export function addressing(config: Pick<Config, 'sip' | 'publicAddress' | 'mediaAddress'>, sources: SourceAddresses): Addressing {
  const sipHost = config.sip.host.replace(/^\[|\]$/g, '');
  const sipFixed = config.publicAddress ?? (!isWildcard(sipHost) ? sipHost : null);
  // The relay binds the SIP host (media/MediaRelay host): a specific address is the only one it has.
  const mediaFixed = config.mediaAddress ?? (!isWildcard(sipHost) ? sipHost : null);
  const relayFamily = isIP(sipHost) === 6 ? 'IPv6' : 'IPv4';
  const perPeer = (peer: string) => {
    // An IPv4-only relay (bound to 0.0.0.0) cannot be reached over IPv6: give its IPv4 default source.
    if (relayFamily === 'IPv4' && isIP(peer.replace(/^\[|\]$/g, '')) === 6 && !peer.startsWith('::ffff:')) return sources.defaultFor('IPv4');
    return sources.for(peer);
  };
  return {
    sipFor: (peer) => sipFixed ?? sources.for(peer),
    mediaFor: (peer) => mediaFixed ?? perPeer(peer),
    mediaDefault: mediaFixed ?? sources.defaultFor(relayFamily),
    prepare: async (peer) => {
      if (sipFixed !== null && mediaFixed !== null) return;
      await sources.lookup(peer);
    },
  };
}
