import { createHash, randomBytes } from 'node:crypto';
import type { Msg, RawUac } from './raw-uac.js';

/**
 * A PBX registering (RFC 3261 §10.2) from a RawUac's socket, with its own digest code
 * (RFC 7616 §3.4, qop=auth) sharing nothing with the edge's. One instance is one
 * registration: the same Call-ID, CSeq one higher each time (§10.2.4 refreshes).
 */
export interface RegisterOptions {
  /** Contact values as written (`<sip:…>;q=0.5`), `'*'`, or none for a query (§10.2.3). */
  readonly contacts?: readonly string[] | '*';
  readonly expires?: number;
  /** Overrides the next CSeq (ordering tests). */
  readonly cseq?: number;
  readonly extra?: readonly string[];
  /** Wrong password tests. */
  readonly password?: string;
  /** The address-of-record's user when it is not the digest user (authorisation tests). */
  readonly aorUser?: string;
}

export class RegisterClient {
  readonly callId = `${randomBytes(8).toString('hex')}@pbx`;
  readonly fromTag = randomBytes(4).toString('hex');
  cseq = 0;

  constructor(
    readonly uac: RawUac,
    readonly user: string,
    readonly password: string,
    readonly domain: string,
    readonly algorithm: 'MD5' | 'SHA-256' = 'SHA-256',
  ) {}

  /** The final response after answering at most one challenge; `challenge` is the 401 when there was one. */
  async register(o: RegisterOptions = {}): Promise<{ final: Msg; challenge?: Msg }> {
    const first = await this.#send(o, undefined);
    if (first.status !== 401) return { final: first };
    const auth = this.#authorization(first, o.password ?? this.password);
    return { final: await this.#send(o, auth), challenge: first };
  }

  #send(o: RegisterOptions, authorization: string | undefined): Promise<Msg> {
    this.cseq = o.cseq !== undefined && authorization === undefined ? o.cseq : this.cseq + 1;
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    const aor = `sip:${o.aorUser ?? this.user}@${this.domain}`;
    const contacts = o.contacts === '*' ? ['*'] : (o.contacts ?? []);
    const text = [
      `REGISTER sip:${this.domain} SIP/2.0`,
      `Via: ${this.uac.via};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <${aor}>;tag=${this.fromTag}`,
      `To: <${aor}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${this.cseq} REGISTER`,
      ...contacts.map((c) => `Contact: ${c}`),
      ...(o.expires === undefined ? [] : [`Expires: ${o.expires}`]),
      'User-Agent: raw-pbx/1.0',
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      ...(o.extra ?? []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    return this.uac.sendRequest(text, branch, 'REGISTER');
  }

  #authorization(challenge: Msg, password: string): string {
    return digestAuthorization(challenge, this.user, password, 'REGISTER', `sip:${this.domain}`, this.algorithm);
  }
}

/** RFC 7616 §3.4.1: response = H(H(A1):nonce:nc:cnonce:qop:H(A2)), answering the challenge of `algorithm` in a 401. */
export function digestAuthorization(challenge: Msg, user: string, password: string, method: string, uri: string, algorithm: 'MD5' | 'SHA-256' = 'SHA-256'): string {
  const all = challenge.all('www-authenticate');
  const chosen = all.find((c) => new RegExp(`algorithm=${algorithm}\\b`, 'i').test(c)) ?? all[0];
  const param = (n: string) => new RegExp(`${n}="?([^",]+)"?`, 'i').exec(chosen)?.[1] ?? '';
  const realm = param('realm');
  const nonce = param('nonce');
  const h = (s: string) => createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(s).digest('hex');
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const response = h(`${h(`${user}:${realm}:${password}`)}:${nonce}:${nc}:${cnonce}:auth:${h(`${method}:${uri}`)}`);
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}

/** The Contact values of a 200 to REGISTER as {uri, expires, q}. */
export function bindingsOf(ok: Msg): { uri: string; expires: number; q?: number }[] {
  return ok.all('contact').flatMap((v) => v.split(/,(?=\s*<)/)).map((v) => ({
    uri: /<([^>]+)>/.exec(v)?.[1] ?? '',
    expires: Number(/;\s*expires=(\d+)/i.exec(v)?.[1] ?? NaN),
    ...(/;\s*q=([\d.]+)/i.test(v) ? { q: Number(/;\s*q=([\d.]+)/i.exec(v)![1]) } : {}),
  }));
}
