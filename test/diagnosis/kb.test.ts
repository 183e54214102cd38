import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  API_ERRORS, CODEC_RULE, GUIDE_SIP_ROWS, MEDIA_SYMPTOMS, SIP_CODES, SUPPORT_CHECKLIST, TICKET_FIELDS, FAULT_DOMAINS, FINDING_CATALOGUE,
} from '../../src/diagnosis/index.js';

// The guide as published (lower-cased, punctuation flattened); the KB must say what it says.
const guide = readFileSync('../shared/seed/000_289403b9e8f0abac.txt', 'utf8');
const flat = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
const G = ` ${flat(guide)} `;
const inGuide = (...parts: (string | number)[]) => G.includes(` ${flat(parts.join(' '))} `);

test('every SIP code row of the guide is in the knowledge base with its meaning, cause and check', () => {
  const body = guide.slice(0, guide.indexOf('6\\) media'));
  const codesInGuide = [...body.matchAll(/(?:^|\s)(?<!\be )([1-6]\d\d) [a-z]/g)].map((m) => Number(m[1]));
  assert.deepEqual(GUIDE_SIP_ROWS.map((r) => r.code), codesInGuide);
  assert.deepEqual(codesInGuide, [100, 180, 183, 200, 400, 401, 403, 404, 408, 410, 415, 480, 484, 486, 488, 500, 502, 503, 504, 580, 600, 603, 604, 606]);
  for (const row of GUIDE_SIP_ROWS) {
    assert.ok(inGuide(row.code, row.meaning, row.cause, row.check), `${row.code} row differs from the guide`);
    const entry = SIP_CODES.get(row.code);
    assert.ok(entry, `${row.code} missing from SIP_CODES`);
    assert.equal(entry.guide, row);
    assert.equal(entry.checks[0].startsWith(row.check.split(' →')[0]) || entry.checks[0] === row.check, true, `${row.code}: the guide's check comes first`);
    assert.ok(FAULT_DOMAINS.includes(entry.faultDomain));
  }
});

test('the four media symptoms of the guide are in the knowledge base with cause and check', () => {
  assert.equal(MEDIA_SYMPTOMS.length, 4);
  for (const s of MEDIA_SYMPTOMS) {
    assert.ok(inGuide(s.symptom, s.cause, s.check), `${s.symptom} differs from the guide`);
    for (const id of s.findings) assert.ok(FINDING_CATALOGUE.has(id), `${s.id} names unknown finding ${id}`);
  }
});

test('the codec rule says G.711 A-law only, nothing ahead of it, no transcoding, failures 415/488', () => {
  for (const r of CODEC_RULE.requirements) assert.ok(inGuide(r.item, r.requirement), r.item);
  for (const e of CODEC_RULE.ensure) assert.ok(inGuide(e), e);
  assert.ok(inGuide('ensure', CODEC_RULE.ensure.join(' ')));
  for (const id of CODEC_RULE.findings) assert.ok(FINDING_CATALOGUE.has(id));
});

test('the six API error codes of the guide carry status, meaning, indication, endpoints and action; SPEC adds 1010 and 1030', () => {
  const fromGuide = API_ERRORS.filter((a) => a.source === 'guide');
  assert.deepEqual(fromGuide.map((a) => a.code), [1000, 1001, 1002, 1007, 1008, 1011]);
  for (const a of fromGuide) assert.ok(inGuide(a.code, a.httpStatus, a.meaning, a.indicates, a.endpoints.join(' '), a.action), `${a.code} differs from the guide`);
  assert.deepEqual(API_ERRORS.filter((a) => a.source === 'spec').map((a) => [a.code, a.httpStatus]), [[1010, 401], [1030, 429]]);
});

test('the checklist before contacting support and the ticket fields are the guide\'s', () => {
  assert.equal(SUPPORT_CHECKLIST.length, 7);
  assert.ok(inGuide('please verify', SUPPORT_CHECKLIST.map((c) => c.item).join(' ')));
  assert.equal(TICKET_FIELDS.length, 6);
  assert.ok(inGuide('please share', TICKET_FIELDS.map((t) => t.field).join(' ')));
});

test('the IANA response code registry is complete, each code with its name and defining RFC', () => {
  const expected: Record<number, [string, string]> = {
    100: ['Trying', '3261'], 180: ['Ringing', '3261'], 181: ['Call Is Being Forwarded', '3261'], 182: ['Queued', '3261'], 183: ['Session Progress', '3261'], 199: ['Early Dialog Terminated', '6228'],
    200: ['OK', '3261'], 202: ['Accepted', '3265'], 204: ['No Notification', '5839'],
    300: ['Multiple Choices', '3261'], 301: ['Moved Permanently', '3261'], 302: ['Moved Temporarily', '3261'], 305: ['Use Proxy', '3261'], 380: ['Alternative Service', '3261'],
    400: ['Bad Request', '3261'], 401: ['Unauthorized', '3261'], 402: ['Payment Required', '3261'], 403: ['Forbidden', '3261'], 404: ['Not Found', '3261'], 405: ['Method Not Allowed', '3261'],
    406: ['Not Acceptable', '3261'], 407: ['Proxy Authentication Required', '3261'], 408: ['Request Timeout', '3261'], 410: ['Gone', '3261'], 412: ['Conditional Request Failed', '3903'],
    413: ['Request Entity Too Large', '3261'], 414: ['Request-URI Too Long', '3261'], 415: ['Unsupported Media Type', '3261'], 416: ['Unsupported URI Scheme', '3261'],
    417: ['Unknown Resource-Priority', '4412'], 420: ['Bad Extension', '3261'], 421: ['Extension Required', '3261'], 422: ['Session Interval Too Small', '4028'],
    423: ['Interval Too Brief', '3261'], 424: ['Bad Location Information', '6442'], 425: ['Bad Alert Message', '8876'], 428: ['Use Identity Header', '8224'], 429: ['Provide Referrer Identity', '3892'],
    430: ['Flow Failed', '5626'], 433: ['Anonymity Disallowed', '5079'], 436: ['Bad Identity Info', '8224'], 437: ['Unsupported Credential', '8224'], 438: ['Invalid Identity Header', '8224'],
    439: ['First Hop Lacks Outbound Support', '5626'], 440: ['Max-Breadth Exceeded', '5393'], 469: ['Bad Info Package', '6086'], 470: ['Consent Needed', '5360'],
    480: ['Temporarily Unavailable', '3261'], 481: ['Call/Transaction Does Not Exist', '3261'], 482: ['Loop Detected', '3261'], 483: ['Too Many Hops', '3261'], 484: ['Address Incomplete', '3261'],
    485: ['Ambiguous', '3261'], 486: ['Busy Here', '3261'], 487: ['Request Terminated', '3261'], 488: ['Not Acceptable Here', '3261'], 489: ['Bad Event', '6665'], 491: ['Request Pending', '3261'],
    493: ['Undecipherable', '3261'], 494: ['Security Agreement Required', '3329'],
    500: ['Server Internal Error', '3261'], 501: ['Not Implemented', '3261'], 502: ['Bad Gateway', '3261'], 503: ['Service Unavailable', '3261'], 504: ['Server Time-out', '3261'],
    505: ['Version Not Supported', '3261'], 513: ['Message Too Large', '3261'], 555: ['Push Notification Service Not Supported', '8599'], 580: ['Precondition Failure', '3312'],
    600: ['Busy Everywhere', '3261'], 603: ['Decline', '3261'], 604: ['Does Not Exist Anywhere', '3261'], 606: ['Not Acceptable', '3261'], 607: ['Unwanted', '8197'], 608: ['Rejected', '8688'],
  };
  assert.deepEqual([...SIP_CODES.keys()].sort((a, b) => a - b), Object.keys(expected).map(Number));
  for (const [code, [name, rfc]] of Object.entries(expected)) {
    const e = SIP_CODES.get(Number(code))!;
    assert.equal(e.name, name, `${code} name`);
    assert.equal(e.rfc, `RFC ${rfc}`, `${code} RFC`);
    assert.ok(e.likelyCause && e.checks.length > 0 && e.fix, `${code} has cause, checks and fix`);
  }
});
