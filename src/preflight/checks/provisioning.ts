import { inCidr } from '../../diagnosis/index.js';
import { ITEMS, type CheckResult } from '../types.js';
import type { ApiFailure} from './api-client.js';
import { ApiReader, str, type ApiAccess, type Json } from './api-client.js';

export type { ApiAccess } from './api-client.js';

/** What the rest of preflight needs to know of the trunk the API named. */
export interface TrunkFacts {
  readonly sid: string;
  readonly name: string;
  readonly accountSid: string;
  readonly authMode: string;
  /** A number the edge accepts as caller on this trunk (a mapped number or trunk_external_alias). */
  readonly callerNumber?: string;
  readonly hasCredentials: boolean;
}

/**
 * The provisioning half of the guide's checklist, read through the API: the trunk whose
 * domain_name is the one the PBX uses (Correct trunk domain used), active, this host's public
 * address in its whitelisted ranges (Correct … IPs allowed), numbers with their mode (Correct
 * mode), a destination URI for pstn numbers (Correct destination URI configured), and
 * credentials when auth_mode asks for digest. Each failure names the API call that fixes it.
 */
export async function provisioningChecks(access: ApiAccess, domain: string, publicAddress: string | null, trunkSid?: string): Promise<{ items: CheckResult[]; trunk?: TrunkFacts }> {
  const api = new ApiReader(access);
  let trunks: Json[];
  try {
    trunks = await api.list('/trunks');
  } catch (err) {
    const e = err as ApiFailure;
    const change = e.apiCode === 1010 ? 'check --account, --key and --token (the api_key and api_token of the account)' : 'check --api (the base URL of the provisioning API, e.g. http://edge.example.com:8080)';
    return { items: [{ id: 'api.access', item: ITEMS.domain, status: 'fail', seen: `the provisioning API could not be read: ${e.message}`, change }] };
  }
  // Every trunk of an account shares its domain_name ({account_sid}.{sip_domain}); the edge tells
  // them apart by the source address, so preflight does too (or --trunk names one).
  const candidates = trunks.filter((t) => str(t['domain_name'])?.toLowerCase() === domain.toLowerCase() && (!trunkSid || t['trunk_sid'] === trunkSid));
  if (candidates.length === 0) {
    const known = trunks.map((t) => `${str(t['trunk_name'])} (${str(t['trunk_sid'])}): ${str(t['domain_name'])}`);
    const seen = trunkSid && trunks.some((t) => t['trunk_sid'] === trunkSid)
      ? `trunk ${trunkSid} has domain_name ${str(trunks.find((t) => t['trunk_sid'] === trunkSid)?.['domain_name'])}, not ${domain}`
      : `no trunk of account ${access.account} has domain_name ${domain}${trunkSid ? ` and sid ${trunkSid}` : ''}; ${known.length ? `its trunks: ${known.join('; ')}` : 'the account has no trunk'}`;
    return {
      items: [{
        id: 'trunk.domain', item: ITEMS.domain, status: 'fail', seen,
        change: known.length
          ? `use the trunk's domain_name as the SIP domain (Request-URI host) of your PBX: ${str(trunks[0]['domain_name'])}, and run preflight with --trunk-domain ${str(trunks[0]['domain_name'])}`
          : `create a trunk: POST ${api.base}/trunks {"trunk_name":"my_pbx","nso_code":"ANY-ANY","domain_name":"${domain}"}`,
      }],
    };
  }
  const trunk = await pickTrunk(api, candidates, publicAddress);
  const sid = str(trunk['trunk_sid']) ?? '';
  const name = str(trunk['trunk_name']) ?? '';
  const tpath = `/trunks/${sid}`;
  const label = `trunk ${name} (${sid})`;
  const [ips, numbers, destinations, credentials, settings] = await Promise.all([
    api.list(`${tpath}/whitelisted-ips`), api.list(`${tpath}/phone-numbers`), api.list(`${tpath}/destination-uris`),
    api.list(`${tpath}/credentials`), api.list(`${tpath}/settings`).catch(() => [] as Json[]),
  ]);
  const authMode = str(trunk['auth_mode']) ?? 'ip';
  const items: CheckResult[] = [{ id: 'trunk.domain', item: ITEMS.domain, status: 'pass', seen: `${label} has domain_name ${domain}` }];

  const status = str(trunk['status']);
  items.push(status === 'active'
    ? { id: 'trunk.active', item: ITEMS.domain, status: 'pass', seen: `${label} is active` }
    : { id: 'trunk.active', item: ITEMS.domain, status: 'fail', seen: `${label} is ${status}: the edge refuses its calls with 403 (trunk inactive)`, change: `PUT ${api.base}${tpath} {"status":"active"}` });

  items.push(whitelistItem(api.base, tpath, label, authMode, ips, publicAddress, credentials.length > 0));
  items.push(...numberItems(api.base, tpath, label, trunk, numbers, destinations, publicAddress));
  items.push(credentialItem(api.base, tpath, label, authMode, credentials));

  const alias = settings.find((s) => s['name'] === 'trunk_external_alias');
  const active = numbers.find((n) => n['status'] !== 'inactive');
  const caller = str(active?.['phone_number']) ?? str(alias?.['value']);
  return { items, trunk: { sid, name, accountSid: access.account, authMode, hasCredentials: credentials.length > 0, ...(caller ? { callerNumber: caller } : {}) } };
}

function whitelistItem(base: string, tpath: string, label: string, authMode: string, ips: Json[], address: string | null, hasCredentials: boolean): CheckResult {
  const id = 'trunk.whitelist';
  const ranges = ips.map((w) => `${str(w['ip'])}/${str(w['mask']) ?? '32'}`);
  const listed = ranges.length ? ranges.join(', ') : 'none';
  if (authMode === 'digest') return { id, item: ITEMS.ips, status: 'pass', seen: `${label} authenticates by digest only (auth_mode digest): the source address is not checked (whitelisted: ${listed})` };
  if (address === null) {
    return { id, item: ITEMS.ips, status: 'fail', seen: `the edge did not answer OPTIONS, so this host's public address is unknown; ${label} whitelists ${listed}`, change: 'fix signaling first (see the items above), then run preflight again' };
  }
  const hit = ranges.find((r) => inCidr(address, r));
  if (hit) return { id, item: ITEMS.ips, status: 'pass', seen: `this host's public address ${address} (as the edge saw it) is in ${label}'s whitelisted range ${hit}` };
  const change = `POST ${base}${tpath}/whitelisted-ips {"ip":"${address}","mask":32} (or set your PBX to send from one of: ${listed})`;
  if (authMode === 'ip_or_digest' && hasCredentials) {
    return { id, item: ITEMS.ips, status: 'warn', seen: `this host's public address ${address} is in none of ${label}'s whitelisted ranges (${listed}); with auth_mode ip_or_digest its calls must authenticate by digest`, change };
  }
  return { id, item: ITEMS.ips, status: 'fail', seen: `this host's public address ${address} (as the edge saw it) is in none of ${label}'s whitelisted ranges (${listed}): the edge answers its INVITEs 403`, change };
}

function numberItems(base: string, tpath: string, label: string, trunk: Json, numbers: Json[], destinations: Json[], address: string | null): CheckResult[] {
  const out: CheckResult[] = [];
  const flowUri = str(trunk['flow_uri']);
  if (numbers.length === 0) {
    out.push({ id: 'trunk.mode', item: ITEMS.mode, status: 'fail', seen: `${label} has no phone number: outbound calls from it get 404 (caller not on the trunk) and no inbound call reaches it`, change: `POST ${base}${tpath}/phone-numbers {"phone_number":"+91XXXXXXXXXX","mode":"pstn"}` });
  } else {
    const described = numbers.map((n) => `${str(n['phone_number'])} ${str(n['mode']) ?? 'pstn (no mode set)'}${n['status'] === 'inactive' ? ' INACTIVE' : ''}`);
    const inactive = numbers.filter((n) => n['status'] === 'inactive').map((n) => `${str(n['id'])} (${str(n['phone_number'])})`);
    const flowWithout = numbers.some((n) => n['mode'] === 'flow') && !flowUri;
    if (inactive.length) {
      out.push({ id: 'trunk.mode', item: ITEMS.mode, status: 'warn', seen: `${label} numbers: ${described.join(', ')}; inactive numbers get 410`, change: `PUT ${base}${tpath}/phone-numbers/ID {"phone_number":…,"mode":…,"status":"active"} for ${inactive.join(', ')} if they should take calls` });
    } else if (flowWithout) {
      out.push({ id: 'trunk.mode', item: ITEMS.mode, status: 'warn', seen: `${label} numbers: ${described.join(', ')}; flow-mode numbers go to the built-in echo flow because the trunk has no flow_uri`, change: `PUT ${base}${tpath} {"flow_uri":"sip:your-flow@host"} or map those numbers in pstn mode` });
    } else {
      out.push({ id: 'trunk.mode', item: ITEMS.mode, status: 'pass', seen: `${label} numbers: ${described.join(', ')}` });
    }
  }
  const needsDestination = numbers.length === 0 || numbers.some((n) => n['mode'] !== 'flow');
  const dests = destinations.map((d) => `${str(d['destination'])} (priority ${str(d['priority']) ?? '0'})`);
  if (dests.length) out.push({ id: 'trunk.destination', item: ITEMS.destination, status: 'pass', seen: `${label} sends inbound calls to ${dests.join(', ')}` });
  else if (!needsDestination) out.push({ id: 'trunk.destination', item: ITEMS.destination, status: 'pass', seen: `${label} has no destination URI, and all its numbers are in flow mode (they go to ${flowUri ?? 'the echo flow'})` });
  else {
    out.push({
      id: 'trunk.destination', item: ITEMS.destination, status: 'fail',
      seen: `${label} has no destination URI: inbound calls to its pstn numbers get 480 (Temporarily Unavailable)`,
      change: `POST ${base}${tpath}/destination-uris {"destinations":[{"destination":"${address ?? 'YOUR_PBX_IP'}:5060;transport=udp"}]} (your PBX's public address and SIP port; an IP must be whitelisted on the trunk)`,
    });
  }
  return out;
}

function credentialItem(base: string, tpath: string, label: string, authMode: string, credentials: Json[]): CheckResult {
  const id = 'trunk.credentials';
  const users = credentials.map((c) => str(c['user_name'])).join(', ');
  const needs = authMode === 'digest' || authMode === 'ip_and_digest' || authMode === 'ip_or_digest';
  if (!needs) return { id, item: ITEMS.ips, status: 'pass', seen: `${label} authenticates by source address (auth_mode ${authMode})${credentials.length ? `; credentials ${users} are also asked for (digest) when present` : ''}` };
  if (credentials.length) return { id, item: ITEMS.ips, status: 'pass', seen: `${label} has auth_mode ${authMode} and credentials for ${users}` };
  return {
    id, item: ITEMS.ips, status: authMode === 'ip_or_digest' ? 'warn' : 'fail',
    seen: `${label} has auth_mode ${authMode} but no credentials: ${authMode === 'ip_or_digest' ? 'only whitelisted sources can call' : 'every call is refused (401 with nothing to answer it)'}`,
    change: `POST ${base}${tpath}/credentials {"user_name":"pbx1","password":"…"} and put the same user and password in the PBX's trunk`,
  };
}

/** Of several trunks on the domain, the one whose whitelist holds this host (the edge's choice too), else the newest. */
async function pickTrunk(api: ApiReader, candidates: Json[], address: string | null): Promise<Json> {
  if (candidates.length === 1 || address === null) return candidates[0];
  for (const t of candidates) {
    const ips = await api.list(`/trunks/${str(t['trunk_sid'])}/whitelisted-ips`).catch(() => [] as Json[]);
    if (ips.some((w) => inCidr(address, `${str(w['ip'])}/${str(w['mask']) ?? '32'}`))) return t;
  }
  return candidates[0];
}
