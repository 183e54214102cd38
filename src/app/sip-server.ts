// The SIP stack of `trunkline serve` is sip/'s endpoint; app/ only wires it (issue 13 stage 1).
export { startSipEndpoint as startSipServer, type SipEndpoint as SipServer, type SipEndpointOptions as SipServerOptions } from '../sip/index.js';
