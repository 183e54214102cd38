/**
 * A small reader of the provisioning API (SPEC §1) for preflight: Basic auth with the account's
 * key and token, Exotel's envelope unwrapped. Reads are tolerant of extra fields.
 */
export interface ApiAccess {
  /** Base URL of the API, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly account: string;
  readonly key: string;
  readonly token: string;
}

export type Json = Record<string, unknown>;

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly apiCode: number | null, message: string) {
    super(message);
  }
}

export class ApiReader {
  readonly #a: ApiAccess;
  constructor(access: ApiAccess) {
    this.#a = access;
  }

  get base(): string {
    return `/v2/accounts/${encodeURIComponent(this.#a.account)}`;
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${this.#a.url.replace(/\/+$/, '')}${this.base}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Basic ${Buffer.from(`${this.#a.key}:${this.#a.token}`).toString('base64')}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new ApiFailure(0, null, `${method} ${url}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let env: { response?: unknown } = {};
    try {
      env = JSON.parse(text) as { response?: unknown };
    } catch {
      // Not the API's envelope: reported with the status below.
    }
    if (!res.ok) {
      const item = (Array.isArray(env.response) ? env.response[0] : env.response) as { error_data?: { code?: number; message?: string; description?: string } } | undefined;
      const e = item?.error_data;
      throw new ApiFailure(res.status, e?.code ?? null, `${method} ${this.base}${path}: HTTP ${res.status}${e ? ` ${e.code} ${e.message}${e.description ? ` (${e.description})` : ''}` : ''}`);
    }
    return env.response;
  }

  async list(path: string): Promise<Json[]> {
    const sep = path.includes('?') ? '&' : '?';
    const r = await this.#call('GET', `${path}${sep}page_size=500`);
    return (Array.isArray(r) ? r : []).map((i) => ((i as { data?: Json }).data ?? {}) as Json);
  }

  async one(path: string): Promise<Json> {
    const r = (await this.#call('GET', path)) as { data?: Json } | undefined;
    return r?.data ?? {};
  }

  async post(path: string, body: unknown): Promise<Json> {
    const r = (await this.#call('POST', path, body)) as { data?: Json } | undefined;
    return r?.data ?? {};
  }
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
