// The console's only way to the server: the public HTTP API with HTTP Basic, the envelope unwrapped.

export interface Session {
  readonly account: string;
  readonly apiKey: string;
  readonly apiToken: string;
}

const STORAGE_KEY = 'trunkline.console.session';

/** The signed-in account, kept in this tab's sessionStorage only (gone when the tab closes; never in a URL). */
export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    return s.account && s.apiKey && s.apiToken ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** An API failure in the API's own words: HTTP status, Exotel code and message, the description naming field and rule. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: number;
  readonly description: string;

  constructor(status: number, code: number, message: string, description: string) {
    super(`${message}: ${description}`);
    this.status = status;
    this.code = code;
    this.description = description;
  }

  /** The field the description names first among `fields` ("nso_code: must be one of …", "trunk_name is required"). */
  fieldOf(fields: readonly string[]): string | undefined {
    let best: { f: string; at: number } | undefined;
    for (const f of fields) {
      const at = new RegExp(`(^|[^A-Za-z0-9_])${f}([^A-Za-z0-9_]|$)`).exec(this.description)?.index;
      if (at !== undefined && (!best || at < best.at)) best = { f, at };
    }
    return best?.f;
  }
}

interface ErrorData { code: number; message: string; description: string }
interface Item<T> { code: number; status: 'success' | 'failure'; error_data: ErrorData | null; data: T }
interface Envelope<T> { http_code: number; metadata?: Record<string, unknown>; response: Item<T> | Item<T>[] }

/** Called when the API says the credentials are wrong (the session ended or the token was rotated). */
let onUnauthorized: (f: ApiFailure) => void = () => {};
export function setUnauthorizedHandler(fn: (f: ApiFailure) => void): void {
  onUnauthorized = fn;
}

function basic(s: Session): string {
  const bytes = new TextEncoder().encode(`${s.apiKey}:${s.apiToken}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

/** The account's base path: /v2/accounts/{sid}. */
export function accountPath(s: Session | null = currentSession()): string {
  return `/v2/accounts/${encodeURIComponent(s?.account ?? '')}`;
}

async function request<T>(method: string, path: string, body?: unknown, session = currentSession()): Promise<Envelope<T>> {
  if (!session) throw new ApiFailure(401, 1010, 'Authorization failed', 'sign in first');
  const headers: Record<string, string> = { authorization: basic(session), accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    // credentials 'omit': the Authorization header is ours; without it a 401 with
    // WWW-Authenticate: Basic would make the browser pop up its own password dialog.
    res = await fetch(`${accountPath(session)}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), cache: 'no-store', credentials: 'omit' });
  } catch (err) {
    throw new ApiFailure(0, 0, 'The server did not answer', (err as Error).message);
  }
  const text = await res.text();
  let env: Envelope<T>;
  try {
    env = JSON.parse(text) as Envelope<T>;
  } catch {
    throw new ApiFailure(res.status, 0, `HTTP ${res.status}`, text.slice(0, 200) || res.statusText);
  }
  const items = Array.isArray(env.response) ? env.response : [env.response];
  const failed = items.find((i) => i.status === 'failure' && i.error_data);
  if (!res.ok || (!Array.isArray(env.response) && failed)) {
    const e = failed?.error_data ?? { code: 0, message: `HTTP ${res.status}`, description: res.statusText };
    const f = new ApiFailure(res.status, e.code, e.message, e.description);
    if (res.status === 401) onUnauthorized(f);
    throw f;
  }
  return env;
}

export async function getOne<T>(path: string, session?: Session): Promise<T> {
  const env = await request<T>('GET', path, undefined, session);
  return (env.response as Item<T>).data;
}

export async function getList<T>(path: string): Promise<{ items: T[]; total: number }> {
  const env = await request<T>('GET', path);
  const items = (env.response as Item<T>[]).map((i) => i.data);
  return { items, total: Number(env.metadata?.['total'] ?? items.length) };
}

export async function send<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const env = await request<T>(method, path, body);
  if (Array.isArray(env.response)) {
    // A batch (destination URIs, settings): the first failed item is the error to show.
    const bad = env.response.find((i) => i.status === 'failure');
    if (bad?.error_data) throw new ApiFailure(env.http_code, bad.error_data.code, bad.error_data.message, bad.error_data.description);
    return env.response.map((i) => i.data) as T;
  }
  return env.response.data;
}

/** A raw GET with the session's credentials (metrics text, pcap download): not an envelope. */
export async function fetchRaw(path: string): Promise<Response> {
  const s = currentSession();
  return fetch(path, { headers: s ? { authorization: basic(s) } : {}, cache: 'no-store', credentials: 'omit' });
}
