import type { FaultDomain } from '../finding.js';

/**
 * The IANA "Session Initiation Protocol (SIP) Parameters — Response Codes" registry: every code
 * with its reason phrase and defining RFC, plus our deployment advice (likely cause, where the
 * fault usually lies, what to check, the fix). For the guide's codes the advice elaborates the
 * guide's row (kb/guide-sip.ts), which stays the first check.
 */
export interface RegistryRow {
  readonly code: number;
  readonly name: string;
  readonly rfc: string;
  readonly domain: FaultDomain;
  readonly cause: string;
  readonly checks: readonly string[];
  readonly fix: string;
}

function r(code: number, name: string, rfc: string, domain: FaultDomain, cause: string, checks: readonly string[], fix: string): RegistryRow {
  return { code, name, rfc: `RFC ${rfc}`, domain, cause, checks, fix };
}

const NORMAL = 'Nothing to fix: this is a normal step of call setup.';

export const SIP_REGISTRY: readonly RegistryRow[] = [
  // 1xx — RFC 3261 §21.1
  r(100, 'Trying', '3261', 'edge', 'The next hop received the request and is working on it', ['Nothing: it only stops INVITE retransmissions'], NORMAL),
  r(180, 'Ringing', '3261', 'far-end', 'The called party is being alerted', ['If ringing never ends: the far end is not answering (no-answer timer)'], NORMAL),
  r(181, 'Call Is Being Forwarded', '3261', 'far-end', 'The call is being forwarded to another destination', ['Forwarding rules of the called party if the call goes somewhere unexpected'], NORMAL),
  r(182, 'Queued', '3261', 'far-end', 'The called party is busy and the call is queued', ['Queue configuration of the called party'], NORMAL),
  r(183, 'Session Progress', '3261', 'customer-network', 'Early media: an IVR or announcement plays before answer', ['If audio is missing: UDP 10000–40000 (RTP ports) open towards the caller', 'The 183 carries SDP and the early-media stream is relayed'], 'Open the RTP port range so early media reaches the caller.'),
  r(199, 'Early Dialog Terminated', '6228', 'far-end', 'A forking proxy ended one early dialog before the final response', ['Forking configuration on the far side'], NORMAL),
  // 2xx
  r(200, 'OK', '3261', 'customer-network', 'The request succeeded; for INVITE the call is connected', ['If there is no audio: RTP (UDP 10000–40000) and NAT — the SDP c= must be a public address'], 'If audio fails after a 200 OK, fix the media path (RTP ports, NAT, symmetric RTP).'),
  r(202, 'Accepted', '3265', 'far-end', 'The request was accepted for processing (REFER, SUBSCRIBE)', ['The NOTIFY that follows tells the outcome'], NORMAL),
  r(204, 'No Notification', '5839', 'far-end', 'The subscription was accepted but no NOTIFY will be sent for it', ['Nothing, unless the subscriber expects one'], NORMAL),
  // 3xx
  r(300, 'Multiple Choices', '3261', 'far-end', 'The address resolves to several locations, listed in Contact', ['Whether the PBX follows 3xx redirects', 'The Contact list in the response'], 'Let the PBX follow the redirect, or route straight to the final destination.'),
  r(301, 'Moved Permanently', '3261', 'far-end', 'The user is no longer at the Request-URI; Contact gives the new address', ['The destination URI configured for the number'], 'Update the destination to the address in Contact.'),
  r(302, 'Moved Temporarily', '3261', 'far-end', 'The user is temporarily at the address in Contact (call forwarding)', ['Whether the PBX follows redirects'], 'Let the PBX follow the redirect, or change the forwarding.'),
  r(305, 'Use Proxy', '3261', 'far-end', 'The resource must be reached through the proxy in Contact', ['Outbound proxy setting of the PBX'], 'Send the request through the named proxy.'),
  r(380, 'Alternative Service', '3261', 'far-end', 'The call failed but an alternative service is possible', ['The response body describing the alternative'], 'Use the alternative service offered.'),
  // 4xx
  r(400, 'Bad Request', '3261', 'customer-pbx', 'Malformed SIP headers or SDP', ['SIP logs for invalid headers: the Warning header names the one that failed', 'Content-Length matches the body', 'The SDP parses (v=, o=, s=, c=, t=, m= lines)'], 'Fix the header or SDP line the Warning names in the PBX configuration or software.'),
  r(401, 'Unauthorized', '3261', 'trunk-config', 'Authentication required: the trunk has digest credentials', ['Credentials (if applicable): user name and password on the PBX equal the trunk credential', 'The realm of the challenge is the one the PBX answers'], 'Configure the trunk credential on the PBX, or authenticate the trunk by whitelisted IP only.'),
  r(402, 'Payment Required', '3261', 'carrier', 'Reserved; some carriers use it for an account without credit', ['Account balance or billing status with the carrier'], 'Settle the account with the carrier.'),
  r(403, 'Forbidden', '3261', 'trunk-config', 'IP not allowed: the source address is not whitelisted, or the trunk is inactive', ['ACL / whitelisted IP: the PBX public IP is in a whitelisted range of the trunk', 'The trunk status is active', 'The Request-URI uses the trunk domain'], "Add the PBX's public IP to the trunk's whitelisted IPs (or activate the trunk)."),
  r(404, 'Not Found', '3261', 'trunk-config', 'Invalid DID or routing: the number is not mapped', ['Phone number mapping: the DID is mapped to the trunk', 'Outbound: the caller number is mapped to the trunk or an external alias is set'], 'Map the number to the trunk (POST /trunks/{trunk_sid}/phone-numbers) or set trunk_external_alias.'),
  r(405, 'Method Not Allowed', '3261', 'customer-pbx', 'The method is known but not allowed for this address (see Allow)', ['The Allow header of the response', 'Whether the PBX sends the method to the right place'], 'Send only methods the far side allows.'),
  r(406, 'Not Acceptable', '3261', 'customer-pbx', 'The far side can only answer with content the request did not Accept', ['The Accept header of the request'], 'Accept the content types the far side produces.'),
  r(407, 'Proxy Authentication Required', '3261', 'trunk-config', 'A proxy on the path requires digest credentials', ['Credentials configured for the proxy realm on the PBX', 'Whether the PBX answers with Proxy-Authorization'], 'Configure the proxy credentials on the PBX.'),
  r(408, 'Request Timeout', '3261', 'customer-network', 'No SIP response arrived in time', ['Firewall / reachability: SIP port (5070 UDP/TCP, 443 TLS) open both ways', 'The destination answers OPTIONS', 'No SIP ALG rewriting the packets'], 'Open the SIP signaling port in the firewall and make the destination reachable.'),
  r(410, 'Gone', '3261', 'trunk-config', 'Number inactive or removed', ['DID status: the number is active and still mapped to the trunk'], 'Reactivate the number or map it to the trunk again.'),
  r(412, 'Conditional Request Failed', '3903', 'customer-pbx', 'A PUBLISH refresh named an entity tag the server no longer has', ['The SIP-If-Match of the PUBLISH'], 'Publish the state afresh without SIP-If-Match.'),
  r(413, 'Request Entity Too Large', '3261', 'customer-pbx', 'The body is larger than the server accepts', ['SDP size (too many codecs or candidates)', 'Use TCP for large messages'], 'Trim the SDP or send over TCP.'),
  r(414, 'Request-URI Too Long', '3261', 'customer-pbx', 'The Request-URI is longer than the server accepts', ['Parameters the PBX adds to the Request-URI'], 'Shorten the Request-URI.'),
  r(415, 'Unsupported Media Type', '3261', 'customer-pbx', 'Codec not supported, or a body that is not application/sdp', ['Ensure G.711 A-law enabled', 'The INVITE body is application/sdp'], 'Enable G.711 A-law (PCMA) on the PBX trunk and send the offer as application/sdp.'),
  r(416, 'Unsupported URI Scheme', '3261', 'customer-pbx', 'The Request-URI scheme is unknown to the server', ['The Request-URI uses sip: or sips:'], 'Dial with a sip: URI.'),
  r(417, 'Unknown Resource-Priority', '4412', 'customer-pbx', 'The Resource-Priority namespace or value is not understood', ['The Resource-Priority header the PBX sends'], 'Remove or correct Resource-Priority.'),
  r(420, 'Bad Extension', '3261', 'customer-pbx', 'The request requires an extension (Require / Proxy-Require) the server does not support', ['The Unsupported header lists the option', 'Require headers set by the PBX (100rel, timer, precondition)'], 'Disable the required extension on the PBX or make it optional (Supported).'),
  r(421, 'Extension Required', '3261', 'customer-pbx', 'The server needs an extension the request did not offer', ['The Require header of the response'], 'Enable the named extension on the PBX.'),
  r(422, 'Session Interval Too Small', '4028', 'customer-pbx', 'The Session-Expires interval is below the Min-SE of the far side', ['Session timer settings on the PBX (Session-Expires, Min-SE)'], 'Raise Session-Expires to at least the Min-SE in the response (90 s minimum).'),
  r(423, 'Interval Too Brief', '3261', 'customer-pbx', 'A registration or subscription expiry is shorter than the server allows', ['Expires value of REGISTER/SUBSCRIBE against the Min-Expires of the response'], 'Use an Expires at least the Min-Expires.'),
  r(424, 'Bad Location Information', '6442', 'customer-pbx', 'The location information (Geolocation) was malformed or unsuitable', ['Geolocation header and PIDF-LO body'], 'Correct the location information.'),
  r(425, 'Bad Alert Message', '8876', 'customer-pbx', 'The Alert-Info of an emergency alert was not acceptable', ['Alert-Info header'], 'Correct the alert message.'),
  r(428, 'Use Identity Header', '8224', 'carrier', 'The far side requires a STIR/SHAKEN Identity header', ['Whether calls are signed (Identity) for the caller number'], 'Have the originating network sign the call.'),
  r(429, 'Provide Referrer Identity', '3892', 'customer-pbx', 'A REFER needs a Referred-By token', ['Referred-By in the REFER'], 'Send Referred-By with the REFER.'),
  r(430, 'Flow Failed', '5626', 'customer-network', 'The outbound flow (RFC 5626) to the user has failed', ['Keep-alives of the registered flow', 'NAT binding lifetime'], 'Re-register to establish a new flow.'),
  r(433, 'Anonymity Disallowed', '5079', 'far-end', 'The callee refuses anonymous calls', ['Privacy header and caller ID presentation'], 'Present a caller number.'),
  r(436, 'Bad Identity Info', '8224', 'carrier', 'The Identity header reference could not be used', ['The info parameter of Identity and the certificate URL'], 'Fix the signing certificate reference.'),
  r(437, 'Unsupported Credential', '8224', 'carrier', 'The certificate of the Identity signer is not accepted', ['The signing certificate and its authority'], 'Sign with an accepted certificate.'),
  r(438, 'Invalid Identity Header', '8224', 'carrier', 'The Identity signature did not verify', ['Header changes after signing (From, To, Date)'], 'Stop rewriting signed headers, or re-sign.'),
  r(439, 'First Hop Lacks Outbound Support', '5626', 'customer-network', 'The first-hop proxy does not support SIP outbound', ['The outbound proxy of the PBX'], 'Register without outbound, or through a proxy that supports it.'),
  r(440, 'Max-Breadth Exceeded', '5393', 'carrier', 'Forking went wider than Max-Breadth allows', ['Forking and parallel routing on the path'], 'Reduce parallel forking.'),
  r(469, 'Bad Info Package', '6086', 'customer-pbx', 'An INFO named a package the far side did not agree to', ['Info-Package headers, DTMF over INFO settings'], 'Send DTMF as RFC 4733 telephone-event instead of INFO.'),
  r(470, 'Consent Needed', '5360', 'far-end', 'The recipient has not consented to receive the request', ['Consent framework permissions'], 'Obtain consent first.'),
  r(480, 'Temporarily Unavailable', '3261', 'customer-pbx', 'Endpoint unreachable: the called party is not registered, or no destination is reachable', ['PBX availability: the PBX is up and its destination URI reachable', 'The trunk has destination URIs configured', 'Do-not-disturb / not registered on the PBX'], 'Bring the destination online or configure a reachable destination URI.'),
  r(481, 'Call/Transaction Does Not Exist', '3261', 'customer-pbx', 'A request matched no dialog or transaction (e.g. BYE or re-INVITE after the far side forgot the call)', ['Whether the call was already torn down', 'NAT rewriting that changes the dialog identifiers'], 'Check that both sides agree the call is up; fix timers that end calls early.'),
  r(482, 'Loop Detected', '3261', 'trunk-config', 'The request came back to a server it already passed (routing loop)', ['Routing: the destination URI does not point back at the trunk'], 'Break the loop in the routing configuration.'),
  r(483, 'Too Many Hops', '3261', 'trunk-config', 'Max-Forwards reached zero: a loop or a very long path', ['Routing loops between PBX and trunk', 'Max-Forwards the PBX sets'], 'Fix the routing loop.'),
  r(484, 'Address Incomplete', '3261', 'customer-pbx', 'Invalid number format: the number is not complete E.164', ['E.164 format: + country code and number, no spaces or letters'], 'Send numbers in E.164 format (+919876543210) from the PBX dialplan.'),
  r(485, 'Ambiguous', '3261', 'customer-pbx', 'The Request-URI matched several users', ['The dialled string is complete'], 'Dial an unambiguous address.'),
  r(486, 'Busy Here', '3261', 'far-end', 'Destination busy', ['Normal behavior: the called party is on another call'], 'Nothing to fix; call again later.'),
  r(487, 'Request Terminated', '3261', 'customer-pbx', 'The INVITE was cancelled (CANCEL) or replaced before a final answer', ['Whether the caller hung up before answer', 'No-answer timers on the PBX'], 'Nothing to fix when the caller hung up; otherwise lengthen the no-answer timer.'),
  r(488, 'Not Acceptable Here', '3261', 'customer-pbx', 'SDP / codec mismatch: the offer has no codec the far side accepts', ['G.711 A-law only: PCMA/8000 is in the offer', 'No SRTP (RTP/SAVP) or video the trunk does not accept'], 'Offer G.711 A-law (PCMA) on the trunk, first in the list.'),
  r(489, 'Bad Event', '6665', 'customer-pbx', 'The SUBSCRIBE or NOTIFY named an event package the server does not know', ['Event header of the request'], 'Subscribe only to supported event packages.'),
  r(491, 'Request Pending', '3261', 'customer-pbx', 'A re-INVITE crossed another pending re-INVITE (glare)', ['Simultaneous hold/transfer from both sides'], 'Retry after the random back-off of RFC 3261 §14.1.'),
  r(493, 'Undecipherable', '3261', 'customer-pbx', 'An S/MIME body could not be decrypted', ['S/MIME keys'], 'Send the body unencrypted or with the right key.'),
  r(494, 'Security Agreement Required', '3329', 'customer-pbx', 'The server requires a security mechanism agreement', ['Security-Server header and the mechanisms the PBX supports'], 'Negotiate a security mechanism (Security-Client).'),
  // 5xx
  r(500, 'Server Internal Error', '3261', 'edge', 'Internal processing failure on the answering server', ['Retry call', 'The Reason header and the call record for the fault'], 'Retry the call; if it repeats, open a ticket with the call SID.'),
  r(501, 'Not Implemented', '3261', 'far-end', 'The server does not implement the method', ['Which method was refused (UPDATE, INFO, MESSAGE…)'], 'Avoid the method or use one the far side supports.'),
  r(502, 'Bad Gateway', '3261', 'carrier', 'Upstream routing issue: the next server sent an invalid response or could not be resolved', ['Retry', 'The destination FQDN resolves in DNS (SRV/A)', 'The carrier gateway is healthy'], 'Retry; fix the DNS name or the upstream gateway if it persists.'),
  r(503, 'Service Unavailable', '3261', 'carrier', 'Destination unreachable, overloaded, or a rate limit hit', ['Network / routing towards the carrier', 'Retry-After: wait that long before retrying', 'The trunk call rate (calls per minute) limit'], 'Wait for Retry-After, lower the call rate, or route to another gateway.'),
  r(504, 'Server Time-out', '3261', 'carrier', 'No upstream response in time', ['Firewall / latency between the edge and the carrier', 'The carrier gateway answers OPTIONS'], 'Retry; if it persists the carrier path is down.'),
  r(505, 'Version Not Supported', '3261', 'customer-pbx', 'The SIP version in the start line is not SIP/2.0', ['The start line the PBX sends'], 'Send SIP/2.0.'),
  r(513, 'Message Too Large', '3261', 'customer-pbx', 'The message is larger than the server can process (often UDP over MTU)', ['Message size on UDP; switch to TCP'], 'Use TCP, or trim headers and SDP.'),
  r(555, 'Push Notification Service Not Supported', '8599', 'customer-pbx', 'The push notification service named in the request is not supported', ['pn-provider parameter'], 'Use a supported push service.'),
  r(580, 'Precondition Failure', '3312', 'customer-network', 'Media negotiation failed: SRTP or preconditions that cannot be met', ['RTP / NAT', 'SRTP (RTP/SAVP, a=crypto) only when secure trunking is enabled', 'No required preconditions (a=des … mandatory)'], 'Offer plain RTP (or enable secure trunking) and do not require preconditions.'),
  // 6xx
  r(600, 'Busy Everywhere', '3261', 'far-end', 'All endpoints busy', ['Retry'], 'Nothing to fix; call again later.'),
  r(603, 'Decline', '3261', 'far-end', 'Call rejected by endpoint', ['PBX dialplan: a rule that rejects the call (blocked caller, closed hours)'], 'Nothing to fix if the callee declined; otherwise correct the dialplan rule.'),
  r(604, 'Does Not Exist Anywhere', '3261', 'customer-pbx', 'Invalid number: it does not exist in the numbering plan', ['DID correctness: the dialled number exists'], 'Dial an existing number; correct the number stored in the PBX.'),
  r(606, 'Not Acceptable', '3261', 'customer-pbx', 'Media policy failure: no acceptable media at all', ['Codec / SDP: an audio stream with G.711 A-law is offered', 'The offer has at least one audio m= line with a non-zero port'], 'Offer an audio stream with PCMA.'),
  r(607, 'Unwanted', '8197', 'far-end', 'The called party marked the call as unwanted (spam)', ['Caller number reputation'], 'Stop calling the party; check the caller number is legitimate.'),
  r(608, 'Rejected', '8688', 'carrier', 'An intermediary (call analytics) rejected the call', ['The jCard in Call-Info says who to contact'], 'Contact the analytics provider named in the response.'),
];
