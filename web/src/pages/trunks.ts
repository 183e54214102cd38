// Trunks: the account's trunks, newest first, and the form that creates one.
import { currentSession, getList, send } from '../api.js';
import type { Page } from '../app.js';
import { consoleConfig } from '../config.js';
import { clear, errorBox, h, statusLine, time } from '../dom.js';
import { apiForm, failureText } from '../form.js';
import type { Trunk } from '../types.js';

export const trunksPage: Page = (main) => {
  const list = h('div', { class: 'table-wrap' }, statusLine('Loading trunks…'));
  const formSlot = h('div');
  clear(main, h('h1', {}, 'Trunks'), formSlot, h('h2', {}, 'Your trunks'), list);

  const load = async (): Promise<void> => {
    try {
      const { items, total } = await getList<Trunk>('/trunks?page_size=500');
      if (items.length === 0) return clear(list, h('p', {}, 'No trunk yet: create one above.'));
      clear(list, h('table', {},
        h('caption', {}, `${total} trunk${total === 1 ? '' : 's'}`),
        h('thead', {}, h('tr', {}, ['Name', 'Trunk SID', 'Domain', 'Status', 'Auth', 'Created'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, items.map((t) => h('tr', {},
          h('th', { scope: 'row' }, h('a', { href: `#/trunks/${encodeURIComponent(t.trunk_sid)}` }, t.trunk_name)),
          h('td', { class: 'mono' }, t.trunk_sid),
          h('td', { class: 'mono' }, t.domain_name),
          h('td', {}, h('span', { class: `badge ${t.status}` }, t.status)),
          h('td', {}, t.auth_mode),
          h('td', {}, time(t.date_created)))))));
    } catch (err) {
      clear(list, errorBox(failureText(err)));
    }
  };

  void consoleConfig().then((cfg) => {
    const account = currentSession()?.account ?? '';
    const domain = `${account}.${cfg.sip_domain}`.toLowerCase();
    clear(formSlot, apiForm({
      label: 'Create a trunk',
      submit: 'Create trunk',
      fields: [
        { name: 'trunk_name', label: 'Trunk name', required: true, hint: 'Letters, digits and _, up to 16; unique in the account.', placeholder: 'pbx_mumbai' },
        { name: 'nso_code', label: 'NSO code', type: 'select', options: cfg.nso_codes, value: cfg.nso_codes[0] ?? 'ANY-ANY', required: true },
        { name: 'domain_name', label: 'Domain name', value: domain, readonly: true, hint: 'Your PBX sends calls to this domain: {account_sid}.{sip_domain}.' },
      ],
      async onSubmit(v, form) {
        const t = await send<Trunk>('POST', '/trunks', { trunk_name: v['trunk_name'], nso_code: v['nso_code'], domain_name: v['domain_name'] });
        (form.querySelector('input[name=trunk_name]') as HTMLInputElement).value = '';
        await load();
        return `Trunk ${t.trunk_name} created (${t.trunk_sid}).`;
      },
    }));
  }, (err: unknown) => clear(formSlot, errorBox(failureText(err))));
  void load();
};

