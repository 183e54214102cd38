/**
 * The report model: what `trunkline diagnose` found in one or more captures. It is the JSON
 * document of `--json` as it is (snake_case, times as ISO 8601 strings with milliseconds),
 * documented field by field in docs/diagnose-json.md; the text and HTML renderers read the
 * same model, so the three outputs never disagree.
 */
import type { CallState, Finding } from '../diagnosis/index.js';

/**
 * What the call came to, as the diagnosis layer decides it (summarizeCall): answered, completed
 * (a non-INVITE got its 2xx), cancelled, rejected (busy/decline), redirected, failed, timed-out
 * (unanswered past Timer B), in-progress (no final answer by the end of the capture — a cut-off
 * capture is never a failure), unknown (no final answer captured, and the capture missed bytes of
 * the call's TCP stream: the answer may be in them; CallReport.state_because says so).
 */
export type { CallState };

/** Bumped when a field changes meaning or goes away; new fields do not bump it. */
export const REPORT_SCHEMA = 'trunkline.diagnose/1';

export interface LadderMessage {
  readonly at: string;
  /** Milliseconds since the call's first message. */
  readonly offset_ms: number;
  readonly src: string;
  readonly dst: string;
  readonly transport: string;
  /** "INVITE", "200 OK", "401 Unauthorized" … */
  readonly label: string;
  readonly method: string;
  readonly status?: number;
  readonly cseq: number;
  readonly has_sdp: boolean;
}

export interface SdpSideReport {
  /** The endpoint that sent this SDP (the message's source). */
  readonly sent_by: string;
  /** In the message: "INVITE", "200 OK", "183 Session Progress" … */
  readonly in_message: string;
  /** Media address as c= says, "ip:port" of the first audio m= line. */
  readonly media_address?: string;
  /** Codec names in m= order (the offerer's preference first). */
  readonly codecs: readonly string[];
  readonly direction?: string;
  readonly encrypted: boolean;
}

export interface StreamReport {
  readonly src: string;
  readonly dst: string;
  readonly ssrc: number;
  /** ssrc as 0x%08X, as tshark and Wireshark print it. */
  readonly ssrc_hex: string;
  readonly payload_type: number;
  readonly codec: string;
  readonly packets: number;
  readonly bytes: number;
  readonly lost: number;
  /** Packets that repeated a sequence number already received; present when there were any. */
  readonly duplicates?: number;
  /** RFC 3550 §6.4.1 expected − all received, duplicates included (tshark's Lost; negative when duplicates outnumber losses); present with duplicates. */
  readonly cumulative_lost?: number;
  readonly jitter_ms: number;
  readonly max_gap_ms: number;
  readonly first_at: string;
  readonly last_at: string;
  readonly ssrc_changes: number;
  readonly comfort_noise_packets: number;
  /** The address the SDP announced for this sender, when it differs from src (asymmetric RTP). */
  readonly sdp_address?: string;
  /** IP TTLs (IPv6 hop limits) its packets reached the capture point with (captures only). */
  readonly ttl?: { readonly first: number; readonly last: number; readonly min: number; readonly max: number; readonly changes: number };
  /** Routers between each end of the stream and the capture point, from the TTLs, and which end it was nearer. */
  readonly capture_point?: { readonly hops_from_sender?: number; readonly hops_from_receiver?: number; readonly near?: 'sender' | 'receiver' | 'both' | 'midway' };
  /** ITU-T G.107 E-model estimate (simplified; see docs/diagnose-json.md). */
  readonly quality: StreamQualityReport;
}

export interface StreamQualityReport {
  readonly r_factor?: number;
  readonly mos?: number;
  readonly loss_pct: number;
  readonly late_pct: number;
  readonly burst_ratio: number;
  readonly delay_ms: number;
  readonly rtt_ms?: number;
  readonly receiver_report?: { readonly at: string; readonly cumulative_lost: number; readonly fraction_lost: number; readonly jitter_ms: number };
  readonly unscored?: string;
}

export interface HangupReport {
  readonly by: 'caller' | 'callee' | 'none';
  readonly how: 'bye' | 'cancel' | 'rejected' | 'timeout' | 'not-ended';
  readonly at?: string;
  readonly sender?: string;
  readonly detail: string;
}

export interface DtmfReport {
  readonly at: string;
  readonly digit: string;
  readonly via: 'rfc4733' | 'sip-info';
  readonly src: string;
  readonly dst: string;
  readonly duration_ms?: number;
}

export type FindingReport = Finding;

export interface CallReport {
  readonly call_id: string;
  /** Method of the call's first request: INVITE for calls, else REGISTER, OPTIONS … */
  readonly method: string;
  readonly from: string;
  readonly to: string;
  readonly direction?: 'inbound' | 'outbound';
  readonly transport: string;
  readonly start_at: string;
  readonly answer_at?: string;
  readonly end_at?: string;
  /** From answer to end when answered, else from the first to the last message; seconds. */
  readonly duration_s: number;
  /** The final response to the (last) INVITE, or to the first request when no INVITE. */
  readonly final_code?: number;
  readonly final_reason?: string;
  readonly state: CallState;
  /** Why the state is what it is, when the capture itself decided it (state unknown: a TCP gap); finding is the id on this call that holds the evidence. */
  readonly state_because?: { readonly finding: string; readonly detail: string };
  /** Who sent the BYE (or CANCEL). */
  readonly ended_by?: 'caller' | 'callee';
  /** RFC 6076 §4.1 session request delay: first INVITE → first 18x (or the final answer if it came first), ms. */
  readonly pdd_ms?: number;
  /** The response that ended the PDD ("180 Ringing"). */
  readonly pdd_to?: string;
  /** First 18x → answer, CANCEL or final failure, ms. */
  readonly ring_ms?: number;
  /** INVITE calls: who ended the call and how. */
  readonly hangup?: HangupReport;
  /** DTMF digits, RFC 4733 events in RTP and SIP INFO, in time order. */
  readonly dtmf: readonly DtmfReport[];
  /** Every endpoint ("ip:port") that sent or received a message, in order of appearance. */
  readonly endpoints: readonly string[];
  readonly messages: readonly LadderMessage[];
  readonly sdp: { readonly offer?: SdpSideReport; readonly answer?: SdpSideReport };
  readonly streams: readonly StreamReport[];
  /** Most severe first. */
  readonly findings: readonly FindingReport[];
}

export interface UnreadableReport {
  /** What could not be read: "TLS", "SRTP", "link type 147", "SCTP", "WebSocket" … */
  readonly what: string;
  readonly packets: number;
  /** In plain words: what it is, and what to do to see it. */
  readonly detail: string;
}

export interface FileErrorReport {
  readonly code: string;
  readonly message: string;
  /** Byte offset in the file where reading stopped. */
  readonly offset?: number;
}

export interface FileReport {
  readonly path: string;
  readonly format: string;
  readonly bytes: number;
  readonly packets: number;
  /** pcapng interface statistics: packets the capture itself dropped (0 = the capture kept up); absent without statistics. */
  readonly dropped_by_capture?: number;
  /** Set when the file is corrupt or truncated: what was read before it is still reported. */
  readonly error?: FileErrorReport;
}

export interface UnsignaledStreamReport {
  readonly src: string;
  readonly dst: string;
  readonly ssrc: number;
  readonly ssrc_hex: string;
  readonly payload_type: number;
  readonly packets: number;
  readonly first_at: string;
  readonly last_at: string;
}

export interface SummaryReport {
  readonly files: number;
  readonly packets: number;
  readonly sip_messages: number;
  readonly rtp_packets: number;
  readonly rtcp_packets: number;
  readonly calls: number;
  readonly streams: number;
  /**
   * RTP flows no SIP SDP in the captures announced (signaling missing from the capture, encrypted,
   * or not SIP): not tied to a call, not in rtp_packets. The largest 20 are listed.
   */
  readonly rtp_without_signaling: {
    readonly streams: number;
    readonly packets: number;
    readonly largest: readonly UnsignaledStreamReport[];
  };
  /** IPv4/IPv6 fragments seen, datagrams rebuilt from them, and datagrams left incomplete. */
  readonly ip_fragments: { readonly fragments: number; readonly reassembled: number; readonly incomplete: number };
  /** TCP segments carrying SIP, and how many were retransmitted, out of order, or left a gap. */
  readonly tcp: { readonly segments: number; readonly retransmitted: number; readonly out_of_order: number; readonly gaps: number };
  /** Holes in captured TCP streams that no retransmission filled (the capture's, not the network's): which connection, how many bytes, the calls each may have cut a message from. */
  readonly tcp_gaps?: readonly TcpGapReport[];
  /** Each SIP sender and how far it was from the capture point, read from IP TTLs (absent when no packet carried one: HEP, logs). */
  readonly capture_point?: readonly CapturePointReport[];
  /** Calls by state. */
  readonly states: Readonly<Record<string, number>>;
  /** Findings by id, over all calls. */
  readonly findings: Readonly<Record<string, number>>;
  readonly unreadable: readonly UnreadableReport[];
}

/** A finding about the capture as a whole, or about several dialogs at once (a scanner, a flood). */
export interface CaptureFindingReport extends Finding {
  /** The dialogs it rests on (at most 20). */
  readonly call_ids: readonly string[];
}

/** One line of the ranked problem list: a finding and every dialog it was found on. */
export interface ProblemReport {
  /** 1 = fix this first. */
  readonly rank: number;
  readonly id: string;
  readonly severity: Finding['severity'];
  readonly title: string;
  readonly fault_domain: Finding['fault_domain'];
  /** The side to act on, in words. */
  readonly side: string;
  /** Dialogs it was found on. */
  readonly calls: number;
  /** The first 10 of them. */
  readonly call_ids: readonly string[];
  /** What was seen on the first of them. */
  readonly evidence: string;
  readonly fix: string;
}

/** The legs of one call through a B2BUA/SBC (different Call-IDs), and which failed first. */
export interface LinkedCallReport {
  /** Call-IDs from the caller's leg outwards. */
  readonly legs: readonly string[];
  readonly hops: readonly { readonly a: string; readonly b: string; readonly via: string; readonly linked_by: readonly string[] }[];
  /** The leg whose final failure came first: where the call really failed. */
  readonly failed_first?: { readonly call_id: string; readonly code: number; readonly at: string; readonly by: string };
  /** Legs that passed that failure on, later. */
  readonly relayed: readonly { readonly call_id: string; readonly code: number; readonly at: string; readonly after_ms: number }[];
}

export interface DiagnoseReport {
  readonly schema: typeof REPORT_SCHEMA;
  readonly generated_at: string;
  readonly files: readonly FileReport[];
  readonly summary: SummaryReport;
  /** What to fix, most important first: every warning or worse, over all calls and across dialogs. */
  readonly problems: readonly ProblemReport[];
  /** Findings across dialogs (security signals, …), most severe first. */
  readonly findings: readonly CaptureFindingReport[];
  /** Calls whose legs cross a B2BUA/SBC: one entry per call, its legs linked. */
  readonly linked_calls: readonly LinkedCallReport[];
  readonly calls: readonly CallReport[];
}

/** A SIP sender as the capture point saw it: the TTLs its packets arrived with, and the routers between (when the TTL sits just under 64, 128 or 255). */
export interface CapturePointReport {
  readonly address: string;
  /** Distinct TTLs / hop limits seen, highest first. */
  readonly ttls: readonly number[];
  readonly initial_ttl?: number;
  /** Routers between the sender and the capture point; 0: captured on its host or its own LAN segment. */
  readonly hops?: number;
}

/** A hole in a captured TCP stream: bytes the endpoints exchanged and the capture never saw. */
export interface TcpGapReport {
  /** The sender of the missing bytes. */
  readonly src: string;
  readonly dst: string;
  readonly bytes: number;
  /** The last bytes captured before the hole (absent when the stream opened with it). */
  readonly since_at?: string;
  /** The first segment after it. */
  readonly at: string;
  readonly frame: number;
  /** Path of the capture file it is in. */
  readonly file: string;
  /** Calls that may have lost a message in it (their messages on this connection straddle it, or end just before it). */
  readonly call_ids: readonly string[];
}
