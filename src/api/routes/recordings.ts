import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import type { CallRecord } from '../../store/index.js';
import type { ApiDeps } from '../deps.js';
import { sendOne } from '../envelope.js';
import { ApiError, notFound } from '../error-codes.js';
import type { RecordingFacts, RecordingsPort } from '../ports.js';
import { accountOf } from './context.js';
import type { ApiInstance } from '../type-provider.js';

/**
 * Call recording (issue 7 item 7, SPEC §1 "its pcap when recorded"): POST …/recording starts
 * a pcap of a call that is up (both legs' RTP/RTCP and SIP); GET …/pcap downloads it while the
 * call is still up and after it ended. The edge hands in the `recordings` port (app/ wires it).
 */
const BASE = '/v2/accounts/:account_sid/calls/:call_sid';
const tags = ['calls'];
export const PCAP_CONTENT_TYPE = 'application/vnd.tcpdump.pcap';

const CallParams = Type.Object({ account_sid: Type.String(), call_sid: Type.String() });
const RecordingBody = Type.Object({}, { description: 'empty object: nothing to choose yet' });

/** The recording resource the API shows (POST …/recording, and `recording` on GET …/calls/{call_sid}). */
export interface RecordingView {
  readonly status: 'recording' | 'completed';
  readonly started_at: string;
  readonly packets: number;
  readonly pcap_uri: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const pcapUri = (accountSid: string, callSid: string) => `/v2/accounts/${accountSid}/calls/${callSid}/pcap`;

function viewOf(accountSid: string, callSid: string, f: RecordingFacts): RecordingView {
  return { status: f.active ? 'recording' : 'completed', started_at: iso(f.startedAt), packets: f.packets, pcap_uri: pcapUri(accountSid, callSid) };
}

/** The recording a finished call's record kept (media.recording, written by the edge when the call ended). */
function storedRecording(accountSid: string, r: CallRecord): RecordingView | null {
  const rec = (r.media as { recording?: { started_at?: string; packets?: number } } | null)?.recording;
  if (!rec?.started_at) return null;
  return { status: 'completed', started_at: rec.started_at, packets: rec.packets ?? 0, pcap_uri: pcapUri(accountSid, r.call_sid) };
}

/** The `recording` field of GET …/calls/{call_sid}: null when the call was never recorded. */
export async function recordingOf(port: RecordingsPort | undefined, accountSid: string, r: CallRecord): Promise<RecordingView | null> {
  const live = r.ended_at === null ? port?.live(accountSid, r.call_sid) : undefined;
  const facts = await live?.info();
  if (facts) return viewOf(accountSid, r.call_sid, facts);
  return storedRecording(accountSid, r);
}

/** A call_sid is 32 lowercase hex (core ids); anything else is an unknown call, never a path. */
const SID = /^[0-9a-f]{32}$/;

export function recordingRoutes(app: ApiInstance, deps: ApiDeps): void {
  const port = deps.ports?.recordings;
  const calls = deps.ports?.calls;
  if (!port || !calls) return;

  app.post(`${BASE}/recording`, {
    schema: {
      tags, summary: 'Start recording a call that is up (pcap: both legs, RTP/RTCP and SIP); idempotent',
      description: 'The call must be up (ringing or answered) on the edge: an ended call is 409 / 1040. The SIP exchanged before the request (INVITE, responses) is written first. Download at GET …/calls/{call_sid}/pcap.',
      params: CallParams, body: RecordingBody,
    },
  }, async (request, reply) => {
    const account = accountOf(request).sid;
    const sid = request.params.call_sid;
    if (!SID.test(sid)) throw notFound(`call_sid ${sid} does not exist`);
    const live = port.live(account, sid);
    if (!live) {
      const r = await calls.store.get(account, sid);
      if (!r) throw notFound(`call_sid ${sid} does not exist`);
      // Issue 15: in a cluster the call's media is on the node that carries it (its record says which).
      if (r.status === 'in-progress' && r.node_id) throw new ApiError('API_CALL_NOT_IN_PROGRESS', `call ${sid} is up on node ${r.node_id}, not on this one: start its recording through that node's API (any node serves the pcap afterwards with a shared --recordings-dir)`);
      throw new ApiError('API_CALL_NOT_IN_PROGRESS', `call ${sid} has ended (${r.status}${r.ended_at ? ` at ${r.ended_at}` : ''}); only a call that is up can be recorded${storedRecording(account, r) ? `; its recording is at ${pcapUri(account, sid)}` : ''}`);
    }
    if (!live.start()) throw new ApiError('API_CALL_NOT_IN_PROGRESS', `call ${sid} has no media on the relay yet (still being admitted) or has just ended; try again once it rings`);
    const facts = await live.info();
    if (!facts) throw new ApiError('API_CALL_NOT_IN_PROGRESS', `call ${sid} ended before its recording started`);
    return sendOne(request, reply, { call_sid: sid, ...viewOf(account, sid, facts) });
  });

  app.get(`${BASE}/pcap`, {
    schema: {
      tags, summary: 'Download the pcap of a recorded call (while it is up, or after it ended)',
      description: `The file as ${PCAP_CONTENT_TYPE}; 404 when the call was never recorded. While the call is up, the file ends at the last whole packet written.`,
      params: CallParams,
      response: { 200: { description: 'a pcap file (LINKTYPE_ETHERNET)', content: { [PCAP_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } } } } },
    },
  }, async (request, reply) => {
    const account = accountOf(request).sid;
    const sid = request.params.call_sid;
    if (!SID.test(sid)) throw notFound(`call_sid ${sid} does not exist`);
    const facts = await port.live(account, sid)?.info();
    if (!facts && !(await calls.store.get(account, sid))) throw notFound(`call_sid ${sid} does not exist`);
    const path = port.pcapPath(sid);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      throw notFound(`call ${sid} was not recorded (POST ${pcapUri(account, sid).replace(/pcap$/, 'recording')} while it is up, or set record_calls on its trunk)`);
    }
    // While recording, stop at the last whole record the writer has flushed.
    if (facts?.active) size = Math.min(size, Math.max(facts.bytes, 0));
    reply
      .code(200)
      .header('content-type', PCAP_CONTENT_TYPE)
      .header('content-disposition', `attachment; filename="${sid}.pcap"`)
      .header('content-length', String(size));
    return reply.send(size === 0 ? Buffer.alloc(0) : createReadStream(path, { start: 0, end: size - 1 }));
  });
}
