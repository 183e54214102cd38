import type { FaultDomain } from '../finding.js';

/**
 * Symptoms users describe in their own words ("my calls drop after 30 seconds"), with the causes
 * an engineer weighs, each with the timer or limit that produces it. `at` says when a cause fits a
 * duration the user gives: the call length it produces, in seconds, and how far off it may be.
 */
export interface SymptomCause {
  readonly id: string;
  readonly cause: string;
  /** Why this cause produces the symptom, with the RFC and the timer. */
  readonly why: string;
  readonly faultDomain: FaultDomain;
  readonly checks: readonly string[];
  readonly fix: string;
  readonly findings: readonly string[];
  /** Call lengths (s) this cause produces, with tolerance: a duration in the query near one ranks the cause first. */
  readonly at?: readonly { readonly s: number; readonly tolerance: number }[];
}

export interface CallSymptom {
  readonly id: string;
  readonly title: string;
  readonly meaning: string;
  /** Every word group must match (one word of each group) for the query to be this symptom. */
  readonly words: readonly (readonly string[])[];
  readonly causes: readonly SymptomCause[];
}

const NO_ACK: SymptomCause = {
  id: 'no-ack-timer-h',
  cause: 'The ACK to the 200 OK never arrives (Timer H)',
  why: 'RFC 3261 §13.3.1.4: the answering side retransmits its 200 OK until the ACK comes and gives up after 64·T1 = 32 s, then sends BYE. The ACK goes to the Contact of the 200 OK: a private address there, a NAT that closed the way back, a SIP ALG or a proxy that dropped Record-Route loses it.',
  faultDomain: 'customer-network',
  checks: ['In a capture: the 200 OK is retransmitted (0.5, 1, 2, 4 s …) and no ACK follows; the BYE comes ~32 s after answer', 'The Contact of the 200 OK is a public, reachable address', 'SIP ALG disabled on the router; NAT keeps the signaling flow open both ways', 'Every proxy on the path keeps Record-Route'],
  fix: 'Put the public address in the Contact (the PBX\'s NAT/external-address setting) and let SIP through the firewall both ways.',
  findings: ['reachability.no-ack'],
  at: [{ s: 32, tolerance: 4 }],
};

const RTP_TIMEOUT: SymptomCause = {
  id: 'rtp-timeout-firewall',
  cause: 'RTP stops at a firewall or NAT UDP idle timeout, and an RTP timeout ends the call',
  why: 'A firewall or NAT that times out the UDP media flow (commonly 30, 60, 120 or 180 s) stops the audio; a PBX or SBC with an RTP timeout then hangs up. In a capture the RTP stops while signaling goes on.',
  faultDomain: 'customer-network',
  checks: ['In a capture: the last RTP packet is some seconds before the BYE, and the BYE Reason or the PBX log says RTP timeout', 'The firewall\'s UDP session timeout for the media ports', 'Re-INVITEs (hold, transfer) that moved media to ports the firewall did not follow'],
  fix: 'Raise the firewall UDP idle/session timeout above the longest call (or above 180 s) and disable SIP ALG.',
  findings: ['media.rtp-timeout'],
  at: [
    { s: 30, tolerance: 3 },
    { s: 60, tolerance: 4 },
    { s: 120, tolerance: 5 },
    { s: 180, tolerance: 6 },
  ],
};

const SESSION_TIMER: SymptomCause = {
  id: 'session-timer',
  cause: 'A session-timer refresh fails (RFC 4028)',
  why: 'RFC 4028 §10: with Session-Expires agreed, the refresher sends a re-INVITE or UPDATE by half the interval; when none is answered, either side sends BYE when the interval ends. Common intervals are 1800 s (drop at 30 min, or 15 min when the refresh at half-time is what fails), and the 90 s minimum (Min-SE).',
  faultDomain: 'customer-pbx',
  checks: ['In a capture: a re-INVITE/UPDATE at half the Session-Expires that gets no answer (or 405/501), then a BYE', 'Session-Expires / Min-SE / refresher in the INVITE and the 200 OK', 'The PBX supports UPDATE or re-INVITE refreshes (Supported: timer)'],
  fix: 'Make the refresher answer refreshes (or disable session timers on the PBX trunk), and let in-dialog requests through the NAT.',
  findings: [],
  at: [
    { s: 90, tolerance: 5 },
    { s: 900, tolerance: 30 },
    { s: 1800, tolerance: 45 },
  ],
};

const MAX_DURATION: SymptomCause = {
  id: 'max-call-duration',
  cause: 'A maximum call duration on the PBX, the carrier or a prepaid balance',
  why: 'A dial-plan limit (Asterisk L()/S() options, absolute timeout), a carrier cap or a prepaid balance ends the call with a normal BYE at a round length (1 h, 2 h …).',
  faultDomain: 'customer-pbx',
  checks: ['The BYE comes from the side that enforces the limit, with Reason Q.850 cause 16 and the same length every time', 'Dial-plan absolute timeouts and the carrier\'s call-length cap'],
  fix: 'Raise or remove the limit.',
  findings: [],
  at: [
    { s: 3600, tolerance: 60 },
    { s: 7200, tolerance: 60 },
  ],
};

const LOSS: SymptomCause = {
  id: 'loss-jitter',
  cause: 'Packet loss or jitter on the access link',
  why: 'Lost or late RTP packets (past the jitter buffer) are what a listener hears as choppy, robotic or broken audio; the E-model MOS of each stream shows it.',
  faultDomain: 'customer-network',
  checks: ['`trunkline diagnose` of a capture: the MOS, loss % and late % of each stream', 'Bandwidth and QoS (DSCP EF) on the access link; Wi-Fi or a congested uplink', 'Compare the capture\'s loss with the receiver\'s RTCP report: where the loss happens'],
  fix: 'Give RTP priority on the access link (DSCP EF) and remove the congestion.',
  findings: ['media.packet-loss', 'capture.loss-after-capture-point', 'capture.loss-before-capture-point'],
};

const REINVITE_STORM: SymptomCause = {
  id: 'reinvite-storm',
  cause: 'A re-INVITE storm: glare (491) or a media update in a loop',
  why: 'RFC 3261 §14.1: when both sides re-INVITE at once each gets 491 Request Pending and must wait a random 2.1–4 s (the Call-ID\'s owner) or 0–2 s before trying again. Two features that both re-INVITE (direct media, session refresh, T.38 switch, an SBC\'s media anchoring) without that back-off loop until one side gives up with a BYE, usually right after answer, a hold or a transfer.',
  faultDomain: 'customer-pbx',
  checks: ['In a capture: five or more re-INVITEs within seconds in one dialog, answered 491 (or 200 again and again), then a BYE', 'Which side sends them: its direct-media / re-INVITE-on-answer, session-timer refresher and T.38 settings', 'An SBC or B2BUA between the two that turns each re-INVITE into another one'],
  fix: 'Let only one side re-INVITE (one session refresher, direct media off on one side) and keep the 491 back-off.',
  findings: ['dialog.reinvite-storm'],
};

const FLOOD: SymptomCause = {
  id: 'flood',
  cause: 'A flood of requests from one source',
  why: 'Every new INVITE, REGISTER or OPTIONS costs the server a transaction; one source sending hundreds a second (an attack tool, or a load test pointed at production) fills its queues, and real calls in the same seconds get 503 or no answer.',
  faultDomain: 'customer-network',
  checks: ['In a capture: one source sending 50 or more new requests a second (`security.flood` names it, with the rate and span)', 'Whether it is a load test of your own or an attack: the address and the User-Agent', 'Per-source rate limits in front of the server (pike / ratelimit, the SBC\'s limits, fail2ban)'],
  fix: 'Rate-limit or block the source before the SIP server and keep the SIP port closed to unknown addresses.',
  findings: ['security.flood'],
};

export const CALL_SYMPTOMS: readonly CallSymptom[] = [
  {
    id: 'calls-drop',
    title: 'Calls drop after a while',
    meaning: 'Answered calls end by themselves, often after the same length each time: that length names the timer or limit behind it.',
    words: [['drop', 'drops', 'dropped', 'dropping', 'disconnect', 'disconnects', 'disconnected', 'cut', 'cuts', 'hang', 'hangs', 'end', 'ends', 'die', 'dies', 'terminate', 'terminated']],
    causes: [NO_ACK, RTP_TIMEOUT, SESSION_TIMER, MAX_DURATION, REINVITE_STORM],
  },
  {
    id: 'choppy-audio',
    title: 'Choppy, robotic or broken audio',
    meaning: 'The call works but the audio breaks up.',
    words: [['choppy', 'robotic', 'broken', 'garbled', 'stutter', 'stuttering', 'crackling', 'jitter', 'jittery', 'quality', 'mos']],
    causes: [LOSS],
  },
  {
    id: 'server-overwhelmed',
    title: 'The SIP server is flooded or overwhelmed',
    meaning: 'Calls fail with 503 or get no answer while the server is busy with far more requests than usual.',
    words: [['flood', 'flooded', 'flooding', 'dos', 'ddos', 'overwhelmed', 'overloaded', 'storm']],
    causes: [FLOOD, REINVITE_STORM],
  },
];
