import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, lookup, isTrunklineErrorLike } from './support/explain-helpers.js';
import { durationInQuery } from '../../src/diagnosis/index.js';

test('explain a SIP code from the guide: meaning, likely cause, fault domain, checks', () => {
  const e = explain('488');
  assert.equal(e.kind, 'sip-code');
  assert.equal(e.title, '488 Not Acceptable Here');
  assert.equal(e.likely_cause, 'SDP / codec mismatch');
  assert.equal(e.fault_domain, 'customer-pbx');
  assert.equal(e.checks[0], 'G.711 A-law only');
  assert.equal(e.source, 'guide');
  assert.equal(e.rfc, 'RFC 3261');
  assert.ok(e.findings?.includes('sip.488.no-pcma'));
  assert.equal(explain('SIP 403').key, '403');
  assert.equal(explain('SIP/2.0 486 Busy Here').key, '486');
});

test('explain a code only the IANA registry knows, and an unregistered one by its class', () => {
  const e = explain('422');
  assert.equal(e.title, '422 Session Interval Too Small');
  assert.equal(e.rfc, 'RFC 4028');
  assert.equal(e.source, 'iana');
  const odd = explain('499');
  assert.match(odd.title, /treated as 400 Bad Request/);
  assert.equal(lookup('799'), undefined);
});

test('explain an API error code with its HTTP status, endpoints and what to do', () => {
  const e = explain('1008');
  assert.equal(e.kind, 'api-error');
  assert.equal(e.http_status, 409);
  assert.equal(e.fix, 'Safe to ignore if config already exists');
  assert.ok(e.endpoints?.includes('POST /whitelisted-ips'));
  assert.equal(explain('1030').http_status, 429);
  assert.equal(lookup('1003'), undefined);
});

test('explain a media symptom in free words', () => {
  assert.equal(explain('one way audio').key, 'one-way-audio');
  assert.equal(explain('One-way audio').key, 'one-way-audio');
  assert.equal(explain('no audio').key, 'no-audio-both-ways');
  assert.equal(explain('audio drops').key, 'audio-drops-after-answer');
  assert.equal(explain('IVR audio but no agent audio').key, 'ivr-audio-no-agent-audio');
  const e = explain('no audio');
  assert.equal(e.likely_cause, 'RTP blocked');
  assert.equal(e.checks[0], 'UDP 10000–40000 open');
  assert.deepEqual(e.findings, ['media.blocked-rtp']);
});

test('explain a finding id, an edge cause, the codec rule, the checklist and the ticket', () => {
  const f = explain('media.rtp-timeout');
  assert.equal(f.kind, 'finding');
  assert.equal(f.fault_domain, 'customer-network');
  assert.equal(explain('ip-not-whitelisted').kind, 'edge-cause');
  assert.equal(explain('codec').kind, 'codec-rule');
  assert.equal(explain('g711').kind, 'codec-rule');
  assert.equal(explain('checklist').kind, 'checklist');
  assert.equal(explain('ticket').kind, 'ticket');
  assert.equal(explain('busy here').key, '486');
});

test('an unknown or empty query is an error with a code', () => {
  assert.ok(isTrunklineErrorLike(() => explain('purple monkey'), 'DIAG_UNKNOWN_QUERY'));
  assert.ok(isTrunklineErrorLike(() => explain('   '), 'DIAG_EMPTY_QUERY'));
});

test('free-text call symptoms: a length in the query ranks the causes that produce it; "audio drops" stays the guide\'s media symptom', () => {
  assert.equal(durationInQuery('my calls drop after 30 seconds'), 30);
  assert.equal(durationInQuery('cut off at 2 min'), 120);
  assert.equal(durationInQuery('dropped after half an hour'), 1800);
  assert.equal(durationInQuery('calls drop'), undefined);
  const e = explain('calls keep dropping');
  assert.equal(e.kind, 'call-symptom');
  assert.deepEqual(e.causes?.map((c) => c.fits), [false, false, false, false, false]);
  assert.deepEqual(e.findings, ['reachability.no-ack', 'media.rtp-timeout', 'dialog.reinvite-storm']);
  assert.equal(explain('calls drop after one hour').causes?.[0].id, 'max-call-duration');
  assert.equal(explain('audio drops').key, 'audio-drops-after-answer');
  assert.equal(explain('choppy audio').key, 'choppy-audio');
  const flood = explain('our SIP server is flooded');
  assert.equal(flood.key, 'server-overwhelmed');
  assert.deepEqual(flood.findings, ['security.flood', 'dialog.reinvite-storm']);
});
