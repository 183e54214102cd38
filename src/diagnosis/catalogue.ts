import { TrunklineError } from '../core/index.js';
import type { FaultDomain, Finding, Severity } from './finding.js';
import { SIP_CODES } from './kb/sip-codes.js';

/** The fixed part of a finding: everything except the evidence of one call. */
export interface FindingSpec {
  readonly id: string;
  readonly code?: number;
  readonly title: string;
  readonly severity: Severity;
  readonly fault_domain: FaultDomain;
  readonly checks: readonly string[];
  readonly fix: string;
  /** One sentence: when the engine reports it. */
  readonly when: string;
}

type Spec = Omit<FindingSpec, 'id'>;

const RTP_RANGE = 'UDP 10000–40000';

/** Findings the rules reach beyond the code, and the ones the edge records for its refusals. */
const SPECIFIC: Readonly<Record<string, Spec>> = {
  // codec (guide §7)
  'sip.488.no-pcma': { code: 488, title: 'Offer has no G.711 A-law (PCMA)', severity: 'error', fault_domain: 'customer-pbx', checks: ['G.711 A-law only: enable PCMA/8000 on the PBX trunk', 'No other codec is forced ahead of it'], fix: 'Enable G.711 A-law (PCMA) on the PBX trunk and offer it first.', when: 'A 488 (or the edge refused) and the INVITE offer lists no PCMA/8000.' },
  'sip.415.not-sdp': { code: 415, title: 'Body is not application/sdp', severity: 'error', fault_domain: 'customer-pbx', checks: ['Ensure G.711 A-law enabled', 'The INVITE carries its offer as Content-Type: application/sdp (no multipart/ISUP bodies)'], fix: 'Send the offer as a plain application/sdp body.', when: 'A 415 and the request body is not application/sdp.' },
  'codec.pcma-not-first': { title: 'Another codec is forced ahead of G.711 A-law', severity: 'warning', fault_domain: 'customer-pbx', checks: ['No other codec is forced ahead of it: put PCMA first in the PBX codec list'], fix: 'Order the PBX codec list with PCMA first.', when: 'An offer lists a voice codec before PCMA — reported even when the call succeeds.' },
  'codec.non-pcma-negotiated': { title: 'Negotiated on a codec other than G.711 A-law: against the trunk\'s A-law-only rule', severity: 'warning', fault_domain: 'customer-pbx', checks: ['G.711 A-law enabled on both sides', 'The answer picks PCMA'], fix: 'Allow only PCMA on the trunk.', when: 'The answer SDP of an answered call puts a voice codec other than PCMA first: a warning, since the call itself worked.' },
  'codec.transcoding': { title: 'Transcoding in the media path', severity: 'warning', fault_domain: 'trunk-config', checks: ['Transcoding is disabled (recommended)', 'Both directions use PCMA'], fix: 'Disable transcoding and use PCMA end to end.', when: 'The two directions carry different codecs, the answer chose a codec absent from the offer, or the trunk has transcoding on.' },
  'sip.580.srtp': { code: 580, title: 'SRTP offered on a trunk without secure trunking', severity: 'error', fault_domain: 'trunk-config', checks: ['RTP / NAT', 'Offer RTP/AVP without a=crypto, or enable secure_trunking on the trunk'], fix: 'Disable SRTP on the PBX trunk or enable secure trunking.', when: 'A 580 and the offer was encrypted (RTP/SAVP, a=crypto or a=fingerprint).' },
  'sip.580.srtp-required': { code: 580, title: 'The trunk requires SRTP and the offer has none', severity: 'error', fault_domain: 'customer-pbx', checks: ['SRTP (SDES a=crypto) enabled on the PBX trunk'], fix: 'Enable SRTP on the PBX, or disable secure trunking.', when: 'The edge refused a plain-RTP offer on a secure trunk.' },
  'sip.580.preconditions': { code: 580, title: 'The offer requires preconditions', severity: 'error', fault_domain: 'customer-pbx', checks: ['RFC 3312 preconditions (a=des … mandatory, Require: precondition) disabled on the PBX'], fix: 'Turn off QoS preconditions on the PBX trunk.', when: 'A 580 and the offer asked for preconditions.' },
  'sip.606.no-usable-media': { code: 606, title: 'No usable media in the offer', severity: 'error', fault_domain: 'customer-pbx', checks: ['Codec / SDP: one audio m= line with a non-zero port and PCMA'], fix: 'Offer an audio stream with PCMA.', when: 'The offer has no audio stream, or every stream is rejected.' },
  'sip.488.no-usable-media': { code: 488, title: 'Offer refused: it has no usable audio stream', severity: 'error', fault_domain: 'customer-pbx', checks: ['Codec / SDP: an audio m= line with a non-zero port, not a=inactive, with PCMA', 'The PBX codec list for the trunk is not empty'], fix: 'Offer an active audio stream with PCMA.', when: 'A 488 to an offer whose audio streams all have port 0 (a "null codec" offer).' },
  'sip.503.retry-after': { code: 503, title: 'Service unavailable, retry later', severity: 'warning', fault_domain: 'carrier', checks: ['Wait for the Retry-After interval before retrying', 'The call rate of the PBX against the trunk limit (calls per minute)'], fix: 'Retry after the interval; lower the call rate if it repeats.', when: 'A 503 carrying Retry-After.' },
  // media (guide §6)
  'media.blocked-rtp': { title: 'No audio both ways: RTP blocked', severity: 'error', fault_domain: 'customer-network', checks: [`${RTP_RANGE} open`, 'The SDP addresses are reachable from each other'], fix: `Open ${RTP_RANGE} in both directions.`, when: 'The call was answered and no RTP flowed in either direction.' },
  'media.not-observed': { title: 'Audio not observed: the capture holds no RTP', severity: 'info', fault_domain: 'customer-network', checks: ['Capture where the media flows (on the PBX or its media relay, not only at a SIP proxy)', 'The capture filter lets UDP RTP through (not "port 5060" only)'], fix: 'Capture again on the media path to judge the audio.', when: 'An answered call in a capture with no RTP packets at all: the capture was taken off the media path, so nothing is said about the audio.' },
  'media.one-way.nat': { title: 'One-way audio: private address in the SDP (NAT)', severity: 'error', fault_domain: 'customer-network', checks: ['Public IP in SDP: set the external address on the PBX', 'Enable symmetric RTP / NAT traversal', 'Disable SIP ALG'], fix: "Announce the PBX's public IP in the SDP (external IP / NAT setting).", when: 'RTP flows one way only and a side announced a private, CGNAT or link-local c= address.' },
  'media.one-way': { title: 'One-way audio', severity: 'error', fault_domain: 'customer-network', checks: ['NAT / firewall: inbound ' + RTP_RANGE + ' allowed', 'Public IP in SDP'], fix: 'Let RTP in from the trunk media addresses.', when: 'RTP flows in one direction only after answer.' },
  'media.rtp-timeout': { title: 'Audio dropped after answer: RTP stopped mid-call', severity: 'error', fault_domain: 'customer-network', checks: ['Firewall idle timeout for UDP (raise it above the call length)', 'Re-INVITE port changes the firewall did not follow', 'SIP ALG disabled'], fix: 'Raise the firewall UDP idle timeout and disable SIP ALG.', when: 'RTP stops while signaling goes on (or the edge ended the call on RTP timeout).' },
  'media.asymmetric-rtp': { title: 'Asymmetric RTP: media comes from another address than the SDP', severity: 'error', fault_domain: 'customer-pbx', checks: ['Symmetric RTP enabled on the PBX', 'NAT rewriting the RTP source port'], fix: 'Enable symmetric RTP on the PBX (send from the address and port it announces).', when: 'RTP arrives from an address other than the one its sender announced.' },
  'media.silent-rtp': { title: 'Silent RTP: packets flow but carry only silence', severity: 'warning', fault_domain: 'customer-pbx', checks: ['Microphone / audio source of the sending side', 'Mute or hold without a=sendonly', 'A media server playing nothing (IVR prompt missing)'], fix: 'Fix the audio source of the sending side.', when: 'A direction carries RTP but its decoded audio (or comfort noise) is silence longer than the threshold.' },
  'media.packet-loss': { title: 'RTP packet loss', severity: 'warning', fault_domain: 'customer-network', checks: ['Bandwidth and QoS (DSCP EF) on the access link', 'Wi-Fi or congested uplink'], fix: 'Give RTP priority on the access link.', when: 'Sequence numbers show loss over the threshold (comfort noise and ptime are not loss).' },
  // auth
  'auth.credentials-loop': { code: 401, title: 'Wrong credentials: challenged again after authenticating', severity: 'error', fault_domain: 'trunk-config', checks: ['Credentials: the user name and password on the PBX equal the trunk credential', 'The realm the PBX answers'], fix: 'Correct the user name / password on the PBX trunk.', when: 'A 401/407 challenge, a retry with credentials, and another challenge.' },
  'auth.challenge-unanswered': { code: 401, title: 'Authentication required and the PBX sent no credentials', severity: 'error', fault_domain: 'customer-pbx', checks: ['Credentials (if applicable): configure the trunk credential on the PBX'], fix: 'Configure the trunk credential on the PBX, or use IP authentication.', when: 'A 401/407 challenge that is never retried with credentials.' },
  'auth.credentials-required': { code: 401, title: 'The trunk requires digest authentication', severity: 'error', fault_domain: 'customer-pbx', checks: ['Credentials configured on the PBX trunk'], fix: 'Configure the trunk credential on the PBX.', when: 'The edge challenged a request that carried no credentials.' },
  'auth.wrong-credentials': { code: 401, title: 'Wrong digest credentials', severity: 'error', fault_domain: 'trunk-config', checks: ['User name and password on the PBX equal the trunk credential', 'The PBX answers the realm of the challenge'], fix: 'Correct the credentials on the PBX trunk.', when: 'The credentials sent did not verify (or a 403 followed them).' },
  // acl / trunk
  'acl.not-whitelisted': { code: 403, title: 'Source IP is not whitelisted on the trunk', severity: 'error', fault_domain: 'trunk-config', checks: ['ACL / whitelisted IP: add the PBX public IP to the trunk', 'The PBX sends from the IP you whitelisted (NAT, failover address)'], fix: "Add the PBX's public IP (POST /trunks/{trunk_sid}/whitelisted-ips).", when: 'A 403 to an INVITE from a source outside the trunk\'s whitelisted ranges; from a capture alone, a 403 right after the INVITE, before ringing, without a challenge, and with no Reason, Warning or phrase that names another cause.' },
  'sip.403.stated-cause': { code: 403, title: 'Forbidden, with a stated cause: the far end refused the call', severity: 'error', fault_domain: 'far-end', checks: ['The cause the 403 gives (Reason: Q.850 cause and text, Warning, reason phrase): e.g. Q.850 21 = call rejected by the callee or its network', 'The dialled number is right and reachable on the far side', 'Not an ACL miss: the source address was not what it refused'], fix: 'Act on the cause the far end gave (the number, the callee, its service), not on the whitelist.', when: 'A 403 whose Reason, Warning or reason phrase names a cause other than the source address (a Q.850 cause, "nocallee", a decline).' },
  'acl.unknown-domain': { code: 403, title: 'The Request-URI domain names no account or trunk', severity: 'error', fault_domain: 'customer-pbx', checks: ['Correct trunk domain used: {account_sid}.<sip_domain> in the Request-URI'], fix: 'Send to the trunk domain.', when: 'The edge found no account for the Request-URI domain.' },
  'trunk.inactive': { code: 403, title: 'The trunk is inactive', severity: 'error', fault_domain: 'trunk-config', checks: ['Trunk status (PUT /trunks/{trunk_sid} status=active)'], fix: 'Activate the trunk.', when: 'The edge refused a call on an inactive trunk.' },
  'trunk.rate-limited': { code: 503, title: 'Trunk call rate limit exceeded', severity: 'warning', fault_domain: 'trunk-config', checks: ['calls_per_minute of the trunk (200 by default)', 'Call bursts from the PBX or dialer'], fix: 'Spread the calls or raise calls_per_minute.', when: 'The edge refused a call over the trunk calls-per-minute limit.' },
  'trunk.concurrency-limited': { code: 503, title: 'Trunk concurrent call limit reached', severity: 'warning', fault_domain: 'trunk-config', checks: ['max_concurrent_calls of the trunk'], fix: 'Raise max_concurrent_calls or wait for calls to end.', when: 'The edge refused a call over max_concurrent_calls.' },
  // routing / numbers
  'routing.did-not-mapped': { code: 404, title: 'Dialled number is not mapped to any trunk', severity: 'error', fault_domain: 'trunk-config', checks: ['Phone number mapping (GET /trunk-maps?exophone=)'], fix: 'Map the number to the trunk.', when: 'Inbound call to a DID that no trunk has.' },
  'routing.caller-not-mapped': { code: 404, title: 'Caller number is not mapped to the trunk', severity: 'error', fault_domain: 'trunk-config', checks: ['Phone number mapping of the caller number', 'trunk_external_alias setting'], fix: 'Map the caller number or set trunk_external_alias.', when: 'Outbound call whose caller number is not on the trunk and no alias is set.' },
  'routing.did-inactive': { code: 410, title: 'Dialled number is inactive', severity: 'error', fault_domain: 'trunk-config', checks: ['DID status'], fix: 'Set the number active.', when: 'Inbound call to an inactive DID.' },
  'routing.did-removed': { code: 410, title: 'Dialled number was removed from the trunk', severity: 'error', fault_domain: 'trunk-config', checks: ['DID status: map it again if it should ring'], fix: 'Map the number to the trunk again.', when: 'Inbound call to a DID removed in the last 30 days.' },
  'routing.no-destination-uri': { code: 480, title: 'The trunk has no destination URI', severity: 'error', fault_domain: 'trunk-config', checks: ['Correct destination URI configured (POST /trunks/{trunk_sid}/destination-uris)'], fix: 'Add a destination URI to the trunk.', when: 'Inbound call on a trunk without destination URIs.' },
  'routing.fqdn-not-resolving': { code: 502, title: 'Destination FQDN does not resolve', severity: 'error', fault_domain: 'trunk-config', checks: ['DNS records (SRV, A/AAAA) of the destination host'], fix: 'Fix the DNS name or use an IP destination.', when: 'The destination host name has no address.' },
  'number.not-e164': { code: 484, title: 'Dialled number is not in E.164 format', severity: 'error', fault_domain: 'customer-pbx', checks: ['E.164 format: +, country code, number; no spaces or letters'], fix: 'Normalise numbers to E.164 in the PBX dialplan.', when: 'The dialled number is not E.164.' },
  'number.not-in-plan': { code: 604, title: 'Number does not exist in the numbering plan', severity: 'error', fault_domain: 'customer-pbx', checks: ['DID correctness: the number exists'], fix: 'Dial an existing number.', when: 'The number is E.164 but not valid in its numbering plan.' },
  // reachability
  'reachability.no-response': { code: 408, title: 'No response to the INVITE: destination unreachable', severity: 'error', fault_domain: 'customer-network', checks: ['Firewall / reachability: SIP port 5070 (UDP/TCP) or 443 (TLS) open towards the destination', 'The destination address and port are right', 'SIP ALG disabled'], fix: 'Open the SIP port in the firewall and check the destination address.', when: 'The INVITE was retransmitted and nothing answered before Timer B (32 s).' },
  'reachability.no-ack': { code: 200, title: '200 OK never acknowledged: the ACK does not arrive, the call drops after ~32 s', severity: 'error', fault_domain: 'customer-network', checks: ['The Contact of the 200 OK is a reachable public address (not RFC 1918)', 'NAT / firewall lets the ACK back on the signaling port', 'SIP ALG disabled', 'Record-Route kept by every proxy on the path'], fix: 'Put the public address in the Contact (NAT settings of the PBX) and let SIP through the firewall both ways.', when: 'The 2xx to an INVITE is retransmitted and no ACK is seen (RFC 3261 §13.3.1.4), so the answering side gives up after 64·T1.' },
  'reachability.peer-down': { title: 'The peer was down before the call: its OPTIONS keep-alives went unanswered', severity: 'error', fault_domain: 'customer-network', checks: ['The peer\'s SIP service is running and listening on the port the keep-alives go to', 'The network path and firewall between the two (ICMP port unreachable means nothing listens; silence means a drop or a hung service)', 'The PBX\'s qualify / keep-alive status for that peer at the time of the call'], fix: 'Bring the peer back (or route around it): the calls failed because it was down, not because of the calls.', when: 'OPTIONS keep-alives to a peer went unanswered and then an INVITE to the same peer timed out or got 408/503.' },
  'register.callee-not-registered': { code: 480, title: 'The called user had no registration: its REGISTER was refused, removed or expired before the call', severity: 'error', fault_domain: 'customer-pbx', checks: ['The device of that user registers, and refreshes before its Expires runs out', 'Why its REGISTER was refused (credentials, ACL): fix that first', 'The registrar\'s minimum / maximum Expires'], fix: 'Make the user\'s device register (and re-register before it expires); the calls to it then find it.', when: 'An INVITE answered 404, 410 or 480 to a user whose REGISTER in the same capture was refused, removed (Expires 0) or had lapsed before the INVITE.' },
  'reachability.destination-timeout': { code: 408, title: 'No destination URI of the trunk answered', severity: 'error', fault_domain: 'customer-network', checks: ['Firewall / reachability of the PBX from the edge addresses', 'The destination URIs and their transport'], fix: "Allow the edge's addresses through the PBX firewall.", when: 'Every destination URI timed out.' },
  'reachability.destination-unreachable': { code: 480, title: 'No destination URI of the trunk can be reached', severity: 'error', fault_domain: 'customer-pbx', checks: ['PBX availability', 'Transport errors to each destination (TCP refused, TLS failed)'], fix: 'Bring the PBX online at its destination URI.', when: 'Every destination URI failed with a transport error.' },
  // edge and carrier
  'edge.malformed-request': { code: 400, title: 'Malformed SIP request', severity: 'error', fault_domain: 'customer-pbx', checks: ['SIP logs for invalid headers: the Warning names the header'], fix: 'Fix the header the Warning names.', when: 'The edge could not accept the request as SIP.' },
  'edge.malformed-sdp': { code: 400, title: 'Malformed SDP', severity: 'error', fault_domain: 'customer-pbx', checks: ['The SDP lines (v=, o=, s=, c=, t=, m=)'], fix: 'Fix the SDP the PBX sends.', when: 'The offer could not be parsed.' },
  'edge.internal-fault': { code: 500, title: 'Internal fault in the edge', severity: 'error', fault_domain: 'edge', checks: ['Retry call', 'Open a ticket with the call SID'], fix: 'Retry; report the call SID if it repeats.', when: 'The edge failed internally; the call record keeps the error.' },
  'edge.node-lost': { title: 'The edge node carrying the call was lost', severity: 'error', fault_domain: 'edge', checks: ['The lost node\'s log (journalctl -u trunkline) and whether its process or host died', 'The network between that node and Redis (its heartbeat stopped reaching Redis)', 'serve --node-timeout against the node\'s longest pause under load'], fix: 'Restart or replace the node; the callers of its calls redial. The call\'s SIP trace ends where the node stopped.', when: 'A node of the cluster stopped its heartbeat for longer than --node-timeout while carrying the call; another node closed the call\'s record as failed.' },
  'edge.overload': { code: 503, title: 'The edge is overloaded', severity: 'warning', fault_domain: 'edge', checks: ['Retry-After', 'Edge capacity'], fix: 'Retry after the interval.', when: 'The edge refused a call under overload.' },
  'edge.unknown-cause': { title: 'The edge recorded a cause the engine does not know', severity: 'warning', fault_domain: 'edge', checks: ['The call record of the edge'], fix: 'Update trunkline so edge and engine agree.', when: 'evidence.edgeCause is not in EDGE_CAUSES.' },
  'carrier.invalid-response': { code: 502, title: 'The far side sent an invalid response', severity: 'error', fault_domain: 'carrier', checks: ['Retry', 'The SIP trace of the carrier leg'], fix: 'Retry; report the carrier if it repeats.', when: 'The carrier or destination answered with something that is not valid SIP.' },
  'carrier.unavailable': { code: 503, title: 'No carrier gateway available', severity: 'error', fault_domain: 'carrier', checks: ['Network / routing to the carrier gateways', 'Carrier gateway health'], fix: 'Restore a carrier gateway or add one.', when: 'No carrier gateway could take the call.' },
  'carrier.no-response': { code: 504, title: 'The carrier sent no response in time', severity: 'error', fault_domain: 'carrier', checks: ['Firewall / latency towards the carrier'], fix: 'Retry; check the carrier path.', when: 'The carrier leg timed out.' },
};

function generic(code: number): Spec | undefined {
  const e = SIP_CODES.get(code);
  if (!e || code < 300) return undefined;
  const title = e.guide ? `${code} ${e.name}: ${e.guide.cause}` : `${code} ${e.name}`;
  return { code, title, severity: e.severity, fault_domain: e.faultDomain, checks: e.checks, fix: e.fix, when: `The call ended with ${code} ${e.name} and no more specific rule applies.` };
}

function freeze(id: string, s: Spec): FindingSpec {
  return Object.freeze({ id, ...s });
}

/** Every finding id the engine can produce, with its fixed texts (docs/findings.md is generated from it). */
export const FINDING_CATALOGUE: ReadonlyMap<string, FindingSpec> = new Map([
  ...Object.entries(SPECIFIC).map(([id, s]) => [id, freeze(id, s)] as const),
  ...[...SIP_CODES.keys()].flatMap((code) => {
    const s = generic(code);
    return s ? [[`sip.${code}`, freeze(`sip.${code}`, s)] as const] : [];
  }),
]);

export function findingSpec(id: string): FindingSpec | undefined {
  return FINDING_CATALOGUE.get(id);
}

/** A finding from the catalogue with this call's evidence; `overrides` adjusts severity, code, title. */
export function makeFinding(id: string, evidence: readonly string[], overrides: Partial<Omit<Finding, 'id' | 'evidence'>> = {}): Finding {
  const spec = FINDING_CATALOGUE.get(id);
  if (!spec) throw new TrunklineError('DIAG_UNKNOWN_FINDING', `finding id ${id} is not in the catalogue`, { details: { id } });
  const { when: _when, ...rest } = spec;
  return Object.freeze({ ...rest, ...overrides, id, evidence: Object.freeze([...evidence]) });
}
