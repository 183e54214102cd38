import { TRUNK_SETTING_NAMES, type TrunkSettingName } from '../../store/index.js';
import type { ApiDeps } from '../deps.js';
import { envelope, failure, sendBatch, sendOne, success, type ItemResponse } from '../envelope.js';
import { ApiError, invalid, missing, notFound } from '../error-codes.js';
import { presentSetting } from '../present.js';
import { e164 } from '../rules.js';
import { TrunkParams } from '../schemas/common.js';
import { PutSettingsBody, SettingsQuery } from '../schemas/resources.js';
import { trunkOf } from './context.js';
import type { ApiInstance } from '../type-provider.js';

const BASE = '/v2/accounts/:account_sid/trunks/:trunk_sid/settings';
const tags = ['settings'];
const SETTINGS_DOC = [
  'Known settings (any other name fails its item with 1002):',
  '- `trunk_external_alias`: an E.164 number presented as the caller on outbound calls.',
  '- `rtp_timeout`: whole seconds 5–3600, or 0 = off; a call on the trunk whose media stops both ways this long is ended with BYE + Reason "RTP timeout" (overrides the server\'s --rtp-timeout).',
  '- `record_calls`: "true" or "false"; every call on the trunk is recorded to a pcap (both legs, RTP/RTCP and SIP), downloadable at GET …/calls/{call_sid}/pcap.',
].join('\n');

/** rtp_timeout bounds: below 5 s a normal pause (a hold without re-INVITE, VAD) would end calls. */
const RTP_TIMEOUT_MIN_S = 5;
const RTP_TIMEOUT_MAX_S = 3600;

/** Each known setting's value rule; returns the value as stored. */
const VALUE_RULES: Record<TrunkSettingName, (field: string, v: string) => string> = {
  trunk_external_alias: (field, v) => e164(field, v),
  rtp_timeout: (field, v) => {
    const n = /^\d{1,5}$/.test(v) ? Number(v) : NaN;
    if (n !== 0 && !(n >= RTP_TIMEOUT_MIN_S && n <= RTP_TIMEOUT_MAX_S)) {
      throw invalid(field, `rtp_timeout must be whole seconds from ${RTP_TIMEOUT_MIN_S} to ${RTP_TIMEOUT_MAX_S}, or 0 to turn the RTP timeout off; got '${v}'`);
    }
    return String(n);
  },
  record_calls: (field, v) => {
    if (v !== 'true' && v !== 'false') throw invalid(field, `record_calls must be "true" or "false"; got '${v}'`);
    return v;
  },
};

function isKnown(name: string): name is TrunkSettingName {
  return (TRUNK_SETTING_NAMES as readonly string[]).includes(name);
}

export function settingRoutes(app: ApiInstance, deps: ApiDeps): void {
  app.post(BASE, { schema: { tags, summary: 'Upsert settings (batch: 200 when all succeed, 207 otherwise)', description: SETTINGS_DOC, params: TrunkParams, body: PutSettingsBody } }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const body = request.body;
    const items: ItemResponse[] = [];
    for (const [i, s] of body.settings.entries()) {
      try {
        if (!isKnown(s.name)) throw invalid(`settings[${i}].name`, `unknown setting '${s.name}'; known: ${TRUNK_SETTING_NAMES.join(', ')}`);
        const value = VALUE_RULES[s.name](`settings[${i}].value`, s.value);
        items.push(success(presentSetting(await deps.repos.settings.put(trunk, s.name, value), trunk.sid)));
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        items.push(failure(err));
      }
    }
    return sendBatch(request, reply, items);
  });

  app.get(BASE, { schema: { tags, summary: 'Read settings (all, or ?name=)', params: TrunkParams, querystring: SettingsQuery } }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const name = request.query.name;
    const list = await deps.repos.settings.list(trunk, name);
    if (name !== undefined && list.length === 0) throw notFound(`setting ${name} is not set on trunk ${trunk.sid}`);
    const items = list.map((s) => success(presentSetting(s, trunk.sid)));
    return reply.code(200).send(envelope(request, 200, items, { total: items.length }));
  });

  app.delete(BASE, { schema: { tags, summary: 'Remove a setting (?name=)', params: TrunkParams, querystring: SettingsQuery } }, async (request, reply) => {
    const trunk = await trunkOf(deps, request);
    const name = request.query.name;
    if (name === undefined || name === '') throw missing('name', ' (as ?name=)');
    const removed = await deps.repos.settings.delete(trunk, name);
    if (!removed) throw notFound(`setting ${name} is not set on trunk ${trunk.sid}`);
    return sendOne(request, reply, presentSetting(removed, trunk.sid));
  });
}
