import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** 0.0.0.0 and :: mean "every interface" to bind(); they are never an address a peer can reach. */
export function isWildcard(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '');
  return a === '0.0.0.0' || a === '::' || a === '::0' || a === '0:0:0:0:0:0:0:0';
}

export interface SourceAddressOptions {
  /** How long a learnt choice is kept (routes change rarely; an interface change is picked up after this). */
  readonly ttlMs?: number;
  /** Destinations remembered at most (the oldest is forgotten first). */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/**
 * Addresses never probed for real traffic: connect() on a UDP socket sends nothing (UDP has no
 * handshake, RFC 768), it only asks the kernel for the route. Documentation ranges, RFC 5737 and
 * RFC 3849, stand for "somewhere off this host" to learn the default route's source address.
 */
const OFF_HOST = { IPv4: '203.0.113.1', IPv6: '2001:db8::1' } as const;

type Family = 'IPv4' | 'IPv6';

/**
 * The local address that packets to a peer actually leave from, for a listener bound to a
 * wildcard: what the peer must be told (Contact, Via, SDP c=) to reach us back. It is the
 * kernel's route choice, learnt by connecting a UDP socket to the peer and reading its local
 * address, cached per destination. `for()` answers at once (from the cache, else from the
 * interfaces: the on-link subnet holding the peer, loopback, the default route's source) and
 * learns the kernel's answer for next time; `lookup()` waits for the kernel's answer.
 */
export class SourceAddresses {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { readonly address: string; readonly at: number }>();
  readonly #pending = new Map<string, Promise<string | undefined>>();

  constructor(options: SourceAddressOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 300_000;
    this.#max = options.maxEntries ?? 4096;
    this.#now = options.now ?? Date.now;
  }

  /** The kernel's choice towards `remote` (an IP literal), cached; undefined when no route leads there. */
  lookup(remote: string): Promise<string | undefined> {
    const ip = plain(remote);
    if (isIP(ip) === 0) return Promise.resolve(undefined);
    const hit = this.#fresh(ip);
    if (hit) return Promise.resolve(hit);
    const running = this.#pending.get(ip);
    if (running) return running;
    const p = routeSource(ip).then((address) => {
      this.#pending.delete(ip);
      if (address) this.#remember(ip, address);
      return address;
    });
    this.#pending.set(ip, p);
    return p;
  }

  /** At once: the learnt choice, else the best the interfaces tell (never a wildcard); learns the kernel's for next time. */
  for(remote: string): string {
    const ip = plain(remote);
    const hit = this.#fresh(ip);
    if (hit) return hit;
    if (isIP(ip) === 0) return this.defaultFor('IPv4');
    void this.lookup(ip);
    const family: Family = isIP(ip) === 6 ? 'IPv6' : 'IPv4';
    return onLink(ip, family) ?? this.defaultFor(family);
  }

  /** The source of the default route of a family (for an address not yet tied to one peer). */
  defaultFor(family: Family): string {
    const probe = OFF_HOST[family];
    const hit = this.#fresh(probe);
    if (hit) return hit;
    void this.lookup(probe);
    return firstExternal(family) ?? (family === 'IPv6' ? '::1' : '127.0.0.1');
  }

  /** Learns the default routes' sources now (start-up), so the first guesses are the kernel's too. */
  async warm(): Promise<void> {
    await Promise.all([this.lookup(OFF_HOST.IPv4), this.lookup(OFF_HOST.IPv6)]);
  }

  #fresh(ip: string): string | undefined {
    const e = this.#cache.get(ip);
    if (!e) return undefined;
    if (this.#now() - e.at > this.#ttlMs) {
      this.#cache.delete(ip);
      return undefined;
    }
    return e.address;
  }

  #remember(ip: string, address: string): void {
    this.#cache.delete(ip);
    this.#cache.set(ip, { address, at: this.#now() });
    if (this.#cache.size > this.#max) this.#cache.delete(this.#cache.keys().next().value!);
  }
}

function plain(address: string): string {
  const a = address.replace(/^\[|\]$/g, '');
  // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the route is the IPv4 one.
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/** connect() a UDP socket to the peer (nothing is sent) and read the local address the kernel chose. */
function routeSource(ip: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
    const done = (address: string | undefined) => {
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve(address && !isWildcard(address) ? address : undefined);
    };
    socket.once('error', () => done(undefined));
    try {
      socket.connect(9, ip, (err?: Error) => {
        if (err) return done(undefined);
        try {
          done(socket.address().address);
        } catch {
          done(undefined);
        }
      });
    } catch {
      done(undefined);
    }
  });
}

/**
 * os.networkInterfaces() asks the kernel (getifaddrs) each time, about a millisecond: a guess for
 * each new peer would cost that, so the list is kept for a few seconds.
 */
let interfacesAt = -Infinity;
let interfacesCache: ReturnType<typeof networkInterfaces> = {};
function interfaces(): ReturnType<typeof networkInterfaces> {
  const now = performance.now();
  if (now - interfacesAt > 5000) [interfacesCache, interfacesAt] = [networkInterfaces(), now];
  return interfacesCache;
}

/** The address of the interface whose subnet holds `ip` (a directly connected peer, or loopback). */
function onLink(ip: string, family: Family): string | undefined {
  for (const list of Object.values(interfaces())) {
    for (const i of list ?? []) {
      if (i.family !== family || i.address.startsWith('fe80') || !i.cidr) continue;
      if (inSubnet(ip, i.cidr)) return i.address;
    }
  }
  return undefined;
}

function firstExternal(family: Family): string | undefined {
  for (const list of Object.values(interfaces())) {
    for (const i of list ?? []) if (!i.internal && i.family === family && !i.address.startsWith('fe80')) return i.address;
  }
  return undefined;
}

function inSubnet(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const a = bytesOf(ip);
  const b = bytesOf(net);
  if (!a || !b || a.length !== b.length) return false;
  let bits = Number(bitsText);
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i] & mask) !== (b[i] & mask)) return false;
  }
  return true;
}

/** An IP literal as bytes (4 or 16); undefined for anything else (v4-in-v6 notation included). */
function bytesOf(ip: string): number[] | undefined {
  if (isIP(ip) === 4) return ip.split('.').map(Number);
  if (isIP(ip) !== 6 || ip.includes('.')) return undefined;
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}
