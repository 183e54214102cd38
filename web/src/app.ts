// The console's shell: sign-in, navigation and a hash router (#/trunks, #/calls/{sid}, …).
// Credentials live in sessionStorage only; the URL carries pages and filters, never secrets.
import { clearSession, currentSession, getOne, saveSession, setUnauthorizedHandler, type Session } from './api.js';
import { clear, h } from './dom.js';
import { apiForm } from './form.js';
import { callPage } from './pages/call.js';
import { callsPage } from './pages/calls.js';
import { explainPage } from './pages/explain.js';
import { healthPage } from './pages/health.js';
import { trunkPage } from './pages/trunk.js';
import { trunksPage } from './pages/trunks.js';

/** A page draws into `main`; what it returns is called when the page is left (closes streams). */
export type Page = (main: HTMLElement, route: Route) => void | (() => void);
export interface Route {
  readonly path: readonly string[];
  readonly query: URLSearchParams;
}

const NAV: readonly (readonly [string, string])[] = [['trunks', 'Trunks'], ['calls', 'Calls'], ['explain', 'Explain'], ['health', 'Health']];

let leave: (() => void) | undefined;
let signInMessage = '';

function parseHash(): Route {
  const raw = location.hash.replace(/^#\/?/, '');
  const [p, q = ''] = raw.split('?', 2);
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

function pageFor(route: Route): Page {
  const [top, id] = route.path;
  if (top === 'trunks' && id) return trunkPage;
  if (top === 'calls' && id) return callPage;
  if (top === 'calls') return callsPage;
  if (top === 'explain') return explainPage;
  if (top === 'health') return healthPage;
  return trunksPage;
}

function renderNav(session: Session | null): void {
  const nav = document.getElementById('nav')!;
  if (!session) return clear(nav);
  const here = parseHash().path[0] ?? 'trunks';
  clear(nav,
    h('ul', {}, NAV.map(([path, label]) => h('li', {}, h('a', { href: `#/${path}`, 'aria-current': here === path ? 'page' : undefined }, label)))),
    h('p', { class: 'who' }, 'Account ', h('strong', {}, session.account), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => signOut('Signed out.') }, 'Sign out')));
}

function signOut(message: string): void {
  clearSession();
  signInMessage = message;
  route();
}

function signInPage(main: HTMLElement): void {
  const message = signInMessage;
  signInMessage = '';
  const form = apiForm({
    label: 'Sign in with your account\'s API credentials',
    submit: 'Sign in',
    className: 'sign-in',
    fields: [
      { name: 'account_sid', label: 'Account SID', required: true, autocomplete: 'username', hint: 'As printed by `trunkline serve` or `trunkline accounts create`.' },
      { name: 'api_key', label: 'API key', required: true, autocomplete: 'off' },
      { name: 'api_token', label: 'API token', type: 'password', required: true, autocomplete: 'current-password', hint: 'Kept in this tab only (sessionStorage), never in the address bar.' },
    ],
    async onSubmit(v) {
      const session: Session = { account: v['account_sid'], apiKey: v['api_key'], apiToken: v['api_token'] };
      // Any authenticated read proves the credentials; the first trunk page is cheap.
      await getOne('/trunks?page_size=1', session);
      saveSession(session);
      if (!location.hash || location.hash === '#/') location.hash = '#/trunks';
      route();
    },
  });
  clear(main, h('h1', {}, 'trunkline console'), message ? h('p', { class: 'notice', role: 'status' }, message) : null, form);
  (form.querySelector('input') as HTMLInputElement | null)?.focus();
}

function route(): void {
  leave?.();
  leave = undefined;
  const main = document.getElementById('main')!;
  const session = currentSession();
  renderNav(session);
  if (!session) return signInPage(main);
  const r = parseHash();
  const cleanup = pageFor(r)(main, r);
  if (cleanup) leave = cleanup;
  // Keyboard and screen reader users land on the new page's heading.
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
  document.title = `${heading?.textContent ?? 'console'} — trunkline`;
}

setUnauthorizedHandler((f) => {
  if (!currentSession()) return;
  signOut(`Signed out: ${f.description}`);
});
window.addEventListener('hashchange', route);
// The skip link moves focus without touching the hash (the hash is the router's).
document.querySelector('a.skip')?.addEventListener('click', (ev) => {
  ev.preventDefault();
  document.getElementById('main')?.focus();
});
route();
