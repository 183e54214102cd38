/**
 * The PSTN simulator's test numbers (SPEC §2): the last four digits of a number valid in its
 * numbering plan choose what the "carrier" does, so every outcome can be tried from a softphone.
 */
export type SimBehaviour =
  | { readonly kind: 'answer-echo' }
  | { readonly kind: 'ring-forever' }
  | { readonly kind: 'early-media-then-answer'; readonly earlyMs: number }
  | { readonly kind: 'no-response' }
  | { readonly kind: 'final'; readonly status: number }
  | { readonly kind: 'ring-then-answer'; readonly ringMs: number };

/** RFC 3261 §21 final codes the simulator may answer with (3xx–6xx); others ring and answer. */
function isFinalCode(n: number): boolean {
  return n >= 300 && n <= 699;
}

export function behaviourFor(number: string): SimBehaviour {
  // The built-in echo flow (SPEC §2, `flow` numbers without a flow_uri) is this simulator too.
  if (number === 'echo') return { kind: 'answer-echo' };
  const last4 = number.replace(/\D/g, '').slice(-4);
  switch (last4) {
    case '0000':
      return { kind: 'answer-echo' };
    case '0180':
      return { kind: 'ring-forever' };
    case '0183':
      return { kind: 'early-media-then-answer', earlyMs: 1000 };
    case '0408':
      return { kind: 'no-response' };
  }
  if (last4.length === 4 && last4[0] === '0') {
    const code = Number(last4.slice(1));
    if (isFinalCode(code)) return { kind: 'final', status: code };
  }
  return { kind: 'ring-then-answer', ringMs: 1000 };
}

/** Reason phrases of RFC 3261 §21 and the IANA registry for the codes the simulator sends. */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  180: 'Ringing', 183: 'Session Progress', 200: 'OK',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 380: 'Alternative Service',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  410: 'Gone', 413: 'Request Entity Too Large', 414: 'Request-URI Too Long', 415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme', 420: 'Bad Extension', 421: 'Extension Required', 423: 'Interval Too Brief',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected', 483: 'Too Many Hops',
  484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here',
  491: 'Request Pending', 493: 'Undecipherable', 500: 'Server Internal Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Server Time-out', 505: 'Version Not Supported',
  513: 'Message Too Large', 580: 'Precondition Failure', 600: 'Busy Everywhere', 603: 'Decline',
  604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 300 ? 'OK' : status < 400 ? 'Redirect' : status < 500 ? 'Client Error' : status < 600 ? 'Server Error' : 'Global Failure');
}
