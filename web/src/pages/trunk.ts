// One trunk: its settings, and its numbers, whitelisted IPs, destination URIs, credentials and
// named settings — each listed with a remove button and an add form whose errors sit by the field.
import { getList, getOne, send } from '../api.js';
import type { Page } from '../app.js';
import { clear, errorBox, h, statusLine, time } from '../dom.js';
import { apiForm, failureText, numberOrUndefined, type FieldSpec } from '../form.js';
import type { Credential, DestinationUri, PhoneNumber, Setting, Trunk, WhitelistedIp } from '../types.js';

interface SubSpec<T> {
  readonly title: string;
  readonly path: string;
  readonly columns: readonly string[];
  readonly cells: (item: T) => readonly (string | number | HTMLElement | null)[];
  /** How an item is removed (the path after the trunk), or none. */
  readonly removePath?: (item: T) => string;
  readonly itemName: (item: T) => string;
  readonly addLabel: string;
  readonly fields: readonly FieldSpec[];
  readonly body: (v: Record<string, string>) => unknown;
  readonly method?: 'POST' | 'PUT';
  readonly empty: string;
  /** How an item is changed in place (PUT …/{id}): its form fields and body. */
  readonly edit?: {
    readonly fields: (item: T) => readonly FieldSpec[];
    readonly body: (v: Record<string, string>, item: T) => unknown;
    readonly path: (item: T) => string;
  };
}

function subSection<T>(base: string, spec: SubSpec<T>): HTMLElement {
  const headingId = `h-${spec.path.replace(/\W/g, '')}`;
  const table = h('div', { class: 'table-wrap' }, statusLine('Loading…'));
  const status = statusLine();
  const editSlot = h('div');
  const openEdit = (item: T, opener: HTMLElement): void => {
    const e = spec.edit!;
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const form = apiForm({
      label: `Edit ${spec.itemName(item)}`, submit: 'Save', fields: e.fields(item),
      async onSubmit(v) {
        await send('PUT', `${base}/${e.path(item)}`, e.body(v, item));
        clear(editSlot);
        status.textContent = `Saved ${spec.itemName(item)}.`;
        await load();
      },
    });
    cancel.addEventListener('click', () => {
      clear(editSlot);
      opener.focus();
    });
    form.querySelector('.actions')?.append(cancel);
    clear(editSlot, form);
    (form.querySelector('input:not([readonly]), select') as HTMLElement | null)?.focus();
  };
  const load = async (): Promise<void> => {
    try {
      const { items } = await getList<T>(`${base}/${spec.path}?page_size=500`);
      if (items.length === 0) return clear(table, h('p', {}, spec.empty));
      clear(table, h('table', { 'aria-labelledby': headingId },
        h('thead', {}, h('tr', {}, [...spec.columns, spec.removePath || spec.edit ? 'Actions' : null].filter(Boolean).map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, items.map((item) => h('tr', {},
          spec.cells(item).map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))),
          spec.removePath || spec.edit ? h('td', { class: 'row-actions' }, spec.edit ? h('button', {
            type: 'button', class: 'secondary small', 'aria-label': `Edit ${spec.itemName(item)}`,
            onclick: (ev: Event) => openEdit(item, ev.currentTarget as HTMLElement),
          }, 'Edit') : null, ' ', spec.removePath ? h('button', {
            type: 'button', class: 'danger small', 'aria-label': `Remove ${spec.itemName(item)}`,
            onclick: async () => {
              try {
                await send('DELETE', `${base}/${spec.removePath!(item)}`);
                status.textContent = `Removed ${spec.itemName(item)}.`;
                await load();
              } catch (err) {
                status.textContent = failureText(err);
              }
            },
          }, 'Remove') : null) : null)))));
    } catch (err) {
      clear(table, errorBox(failureText(err)));
    }
  };
  void load();
  return h('section', { class: 'card', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, spec.title),
    table, status, editSlot,
    apiForm({
      label: spec.addLabel, submit: spec.method === 'PUT' ? 'Save' : 'Add', fields: spec.fields,
      async onSubmit(v, form) {
        await send(spec.method ?? 'POST', `${base}/${spec.path}`, spec.body(v));
        for (const input of form.querySelectorAll<HTMLInputElement>('input:not([readonly])')) if (input.type !== 'number') input.value = '';
        await load();
        return 'Saved.';
      },
    }));
}

/** Only what the form changed goes in the PUT (the API needs at least one field). */
function trunkPatch(t: Trunk, v: Record<string, string>): Record<string, unknown> {
  const want: Record<string, unknown> = {
    trunk_name: v['trunk_name'], status: v['status'], auth_mode: v['auth_mode'], secure_trunking: v['secure_trunking'],
    registration_enabled: v['registration_enabled'],
    calls_per_minute: numberOrUndefined(v['calls_per_minute']),
    max_concurrent_calls: v['max_concurrent_calls'] === '' ? null : Number(v['max_concurrent_calls']),
    failover_codes: v['failover_codes'] === '' ? [] : v['failover_codes'].split(/[\s,]+/).filter(Boolean).map(Number),
    disaster_recovery_uri: v['disaster_recovery_uri'] === '' ? null : v['disaster_recovery_uri'],
    flow_uri: v['flow_uri'] === '' ? null : v['flow_uri'],
  };
  const patch: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(want)) {
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify((t as unknown as Record<string, unknown>)[k])) patch[k] = value;
  }
  return patch;
}

function trunkForm(base: string, t: Trunk, onSaved: (t: Trunk) => void): HTMLFormElement {
  return apiForm({
    label: 'Trunk settings', submit: 'Save trunk',
    fields: [
      { name: 'trunk_name', label: 'Trunk name', value: t.trunk_name, required: true },
      { name: 'status', label: 'Status', type: 'select', options: ['active', 'inactive'], value: t.status },
      { name: 'auth_mode', label: 'Authentication of your PBX', type: 'select', value: t.auth_mode,
        options: [['ip', 'IP whitelist'], ['digest', 'Digest credentials'], ['ip_or_digest', 'IP or credentials'], ['ip_and_digest', 'IP and credentials']] },
      { name: 'secure_trunking', label: 'Secure trunking (TLS/SRTP)', type: 'select', options: ['disabled', 'enabled'], value: t.secure_trunking },
      { name: 'registration_enabled', label: 'PBX registration (REGISTER with a credential)', type: 'select', options: ['disabled', 'enabled'], value: t.registration_enabled ?? 'disabled' },
      { name: 'calls_per_minute', label: 'Calls per minute', type: 'number', value: t.calls_per_minute, inputmode: 'numeric' },
      { name: 'max_concurrent_calls', label: 'Max concurrent calls', type: 'number', value: t.max_concurrent_calls, hint: 'Empty: no limit.', inputmode: 'numeric' },
      { name: 'failover_codes', label: 'Failover codes', value: t.failover_codes.join(', '), hint: 'SIP codes that move on to the next destination, e.g. 503, 408.' },
      { name: 'disaster_recovery_uri', label: 'Disaster recovery URI', value: t.disaster_recovery_uri },
      { name: 'flow_uri', label: 'Flow URI', value: t.flow_uri },
    ],
    async onSubmit(v) {
      const patch = trunkPatch(t, v);
      if (Object.keys(patch).length === 0) return 'Nothing changed.';
      const saved = await send<Trunk>('PUT', base, patch);
      Object.assign(t, saved);
      onSaved(saved);
      return `Saved: ${Object.keys(patch).join(', ')}.`;
    },
  });
}

interface Registration { id: string; aor: string; contact: string; source_address: string; transport: string; expires: number; user_agent: string | null }

/** The PBXs registered on the trunk now (read-only: a binding is made by REGISTER and ends by expiry). */
function registrationsSection(base: string): HTMLElement {
  const body = h('div', { class: 'table-wrap' }, statusLine('Loading…'));
  void getList<Registration>(`${base}/registrations?page_size=100`).then(({ items }) => {
    if (!items.length) return clear(body, h('p', {}, 'No PBX is registered on this trunk.'));
    clear(body, h('table', { 'aria-labelledby': 'h-registrations' },
      h('thead', {}, h('tr', {}, ['Address of record', 'Contact', 'From', 'Expires in', 'User agent'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, items.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.aor), h('td', { class: 'mono' }, r.contact),
        h('td', { class: 'mono' }, `${r.source_address} (${r.transport})`), h('td', {}, `${r.expires} s`), h('td', {}, r.user_agent ?? '—'))))));
  }, (err: unknown) => clear(body, (err as { status?: number }).status === 404 ? h('p', {}, 'This server does not list registrations.') : errorBox(failureText(err))));
  return h('section', { class: 'card', 'aria-labelledby': 'h-registrations' }, h('h2', { id: 'h-registrations' }, 'Registrations'), body);
}

export const trunkPage: Page = (main, route) => {
  const sid = route.path[1];
  const base = `/trunks/${encodeURIComponent(sid)}`;
  const title = h('h1', {}, 'Trunk');
  clear(main, h('p', { class: 'crumbs' }, h('a', { href: '#/trunks' }, '← Trunks')), title, statusLine('Loading the trunk…'));
  void getOne<Trunk>(base).then((t) => {
    const facts = h('dl', { class: 'facts' });
    const showFacts = (x: Trunk): void => {
      title.textContent = `Trunk ${x.trunk_name}`;
      clear(facts, [['Trunk SID', x.trunk_sid], ['Domain', x.domain_name], ['NSO code', x.nso_code], ['Status', x.status], ['Created', time(x.date_created)], ['Updated', time(x.date_updated)]]
        .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    };
    showFacts(t);
    clear(main,
      h('p', { class: 'crumbs' }, h('a', { href: '#/trunks' }, '← Trunks'), ' · ', h('a', { href: `#/calls?trunk_sid=${encodeURIComponent(t.trunk_sid)}` }, 'Calls of this trunk')),
      title, facts,
      h('div', { class: 'grid' },
        h('section', { class: 'card', 'aria-label': 'Trunk settings' }, trunkForm(base, t, showFacts)),
        subSection<PhoneNumber>(base, {
          title: 'Phone numbers', path: 'phone-numbers', columns: ['Number', 'Mode', 'Status'], empty: 'No number yet.',
          cells: (n) => [n.phone_number, n.mode ?? '—', n.status], itemName: (n) => n.phone_number,
          removePath: (n) => `phone-numbers/${n.id}`, addLabel: 'Add a phone number',
          fields: [
            { name: 'phone_number', label: 'Phone number (E.164)', required: true, placeholder: '+919876541111', inputmode: 'tel' },
            { name: 'mode', label: 'Mode', type: 'select', options: ['pstn', 'flow'], value: 'pstn' },
          ],
          body: (v) => ({ phone_number: v['phone_number'], mode: v['mode'] }),
          edit: {
            path: (n) => `phone-numbers/${n.id}`,
            fields: (n) => [
              { name: 'phone_number', label: 'Phone number', value: n.phone_number, readonly: true },
              { name: 'mode', label: 'Mode', type: 'select', options: ['pstn', 'flow'], value: n.mode ?? 'pstn' },
              { name: 'status', label: 'Status', type: 'select', options: ['active', 'inactive'], value: n.status },
            ],
            body: (v) => ({ phone_number: v['phone_number'], mode: v['mode'], status: v['status'] }),
          },
        }),
        subSection<WhitelistedIp>(base, {
          title: 'Whitelisted IPs', path: 'whitelisted-ips', columns: ['Network'], empty: 'No whitelisted network: calls from your PBX are refused unless credentials are used.',
          cells: (w) => [`${w.ip}/${w.mask}`], itemName: (w) => `${w.ip}/${w.mask}`,
          removePath: (w) => `whitelisted-ips/${w.id}`, addLabel: 'Whitelist a network',
          fields: [
            { name: 'ip', label: 'IPv4 address', required: true, placeholder: '203.0.113.10', inputmode: 'decimal' },
            { name: 'mask', label: 'Mask (prefix length)', type: 'number', value: 32, inputmode: 'numeric' },
          ],
          body: (v) => ({ ip: v['ip'], ...(v['mask'] ? { mask: Number(v['mask']) } : {}) }),
          edit: {
            path: (w) => `whitelisted-ips/${w.id}`,
            fields: (w) => [
              { name: 'ip', label: 'IPv4 address', value: w.ip, required: true, inputmode: 'decimal' },
              { name: 'mask', label: 'Mask (prefix length)', type: 'number', value: w.mask, inputmode: 'numeric' },
            ],
            body: (v) => ({ ip: v['ip'], ...(v['mask'] ? { mask: Number(v['mask']) } : {}) }),
          },
        }),
        subSection<DestinationUri>(base, {
          title: 'Destination URIs', path: 'destination-uris', columns: ['Destination', 'Priority', 'Weight', 'Added'], empty: 'No destination: inbound calls have nowhere to go.',
          cells: (d) => [d.destination, d.priority, d.weight, time(d.date_created)], itemName: (d) => d.destination,
          removePath: (d) => `destination-uris/${d.id}`, addLabel: 'Add a destination URI',
          fields: [
            { name: 'destination', label: 'Destination', required: true, placeholder: 'pbx.example.com:5061;transport=tls', hint: 'host:port;transport=tls|tcp|udp' },
            { name: 'priority', label: 'Priority (lower first)', type: 'number', value: 0, inputmode: 'numeric' },
            { name: 'weight', label: 'Weight (higher gets more)', type: 'number', value: 1, inputmode: 'numeric' },
          ],
          body: (v) => ({ destinations: [{ destination: v['destination'], ...(v['priority'] ? { priority: Number(v['priority']) } : {}), ...(v['weight'] ? { weight: Number(v['weight']) } : {}) }] }),
          edit: {
            path: (d) => `destination-uris/${d.id}`,
            fields: (d) => [
              { name: 'priority', label: 'Priority (lower first)', type: 'number', value: d.priority, inputmode: 'numeric' },
              { name: 'weight', label: 'Weight (higher gets more)', type: 'number', value: d.weight, inputmode: 'numeric' },
            ],
            body: (v) => ({ priority: Number(v['priority']), weight: Number(v['weight']) }),
          },
        }),
        subSection<Credential>(base, {
          title: 'Credentials', path: 'credentials', columns: ['User', 'Friendly name', 'Realm', 'Added'], empty: 'No credential.',
          cells: (c) => [c.user_name, c.friendly_name ?? '—', c.realm ?? '—', time(c.date_created)], itemName: (c) => c.user_name,
          removePath: (c) => `credentials/${c.id}`, addLabel: 'Add a digest credential',
          fields: [
            { name: 'user_name', label: 'User name', required: true },
            { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters; write-only (kept as digest hashes).' },
            { name: 'friendly_name', label: 'Friendly name' },
          ],
          body: (v) => ({ user_name: v['user_name'], password: v['password'], ...(v['friendly_name'] ? { friendly_name: v['friendly_name'] } : {}) }),
          edit: {
            path: (c) => `credentials/${c.id}`,
            fields: (c) => [
              { name: 'user_name', label: 'User name', value: c.user_name, required: true },
              { name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password', hint: 'Empty: keep the current one.' },
              { name: 'friendly_name', label: 'Friendly name', value: c.friendly_name },
            ],
            body: (v, c) => ({
              ...(v['user_name'] !== c.user_name ? { user_name: v['user_name'] } : {}),
              ...(v['password'] ? { password: v['password'] } : {}),
              friendly_name: v['friendly_name'] === '' ? null : v['friendly_name'],
            }),
          },
        }),
        subSection<Setting>(base, {
          title: 'Settings', path: 'settings', columns: ['Name', 'Value'], empty: 'No setting: defaults apply.',
          cells: (x) => [x.name, x.value], itemName: (x) => x.name,
          removePath: (x) => `settings?name=${encodeURIComponent(x.name)}`, addLabel: 'Set a setting',
          fields: [
            { name: 'name', label: 'Setting', type: 'select', options: ['trunk_external_alias', 'rtp_timeout', 'record_calls'], value: 'trunk_external_alias' },
            { name: 'value', label: 'Value', required: true, hint: 'trunk_external_alias: E.164; rtp_timeout: seconds 5–3600 or 0; record_calls: true/false.' },
          ],
          body: (v) => ({ settings: [{ name: v['name'], value: v['value'] }] }),
        }),
        registrationsSection(base),
        h('section', { class: 'card danger-zone', 'aria-label': 'Delete the trunk' },
          h('h2', {}, 'Delete the trunk'),
          h('p', {}, 'Removes the trunk and everything under it. Calls already recorded stay.'),
          h('button', {
            type: 'button', class: 'danger',
            onclick: async (ev: Event) => {
              if (!confirm(`Delete trunk ${t.trunk_name} and everything under it?`)) return;
              try {
                await send('DELETE', base);
                location.hash = '#/trunks';
              } catch (err) {
                (ev.target as HTMLElement).after(errorBox(failureText(err)));
              }
            },
          }, `Delete ${t.trunk_name}`))));
  }, (err: unknown) => clear(main, h('p', { class: 'crumbs' }, h('a', { href: '#/trunks' }, '← Trunks')), title, errorBox(failureText(err))));
};
