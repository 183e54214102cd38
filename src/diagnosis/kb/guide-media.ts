import type { CodecRule, MediaSymptom } from './types.js';

// Section 6) of the guide: media (audio) issues that show no SIP error.
export const MEDIA_SYMPTOMS: readonly MediaSymptom[] = [
  {
    id: 'no-audio-both-ways',
    symptom: 'No audio both ways',
    cause: 'RTP blocked',
    check: 'UDP 10000–40000 open',
    faultDomain: 'customer-network',
    findings: ['media.blocked-rtp'],
    explanation: 'The call is answered but no RTP flows in either direction: a firewall drops the media ports.',
    checks: ['Both directions (to and from the trunk media addresses) allowed on the PBX firewall', 'The SDP c= addresses are reachable (public, not RFC 1918)', 'No SIP ALG rewriting the SDP'],
    fix: 'Open UDP 10000–40000 to and from the trunk media addresses.',
    aliases: ['no audio', 'no voice', 'dead air', 'silence both sides', 'blocked rtp', 'no rtp'],
  },
  {
    id: 'one-way-audio',
    symptom: 'One way audio',
    cause: 'NAT / firewall',
    check: 'Public IP in SDP',
    faultDomain: 'customer-network',
    findings: ['media.one-way.nat', 'media.one-way'],
    explanation: 'RTP flows in one direction only: the side behind NAT announced its private address in the SDP, or a firewall lets media out but not in.',
    checks: ['The PBX announces its public address in c= (external IP / NAT settings)', 'Inbound UDP 10000–40000 allowed on the firewall', 'SIP ALG disabled on the router'],
    fix: "Set the PBX's external (public) IP for media, or enable symmetric RTP / NAT traversal on it.",
    aliases: ['one way audio', 'one-way audio', 'oneway', 'can hear them but they cannot hear me', 'cannot hear', 'nat'],
  },
  {
    id: 'audio-drops-after-answer',
    symptom: 'Audio drops after answer',
    cause: 'RTP timeout',
    check: 'Firewall idle timeout',
    faultDomain: 'customer-network',
    findings: ['media.rtp-timeout'],
    explanation: 'Media stops mid-call while signaling goes on, often at a firewall or NAT idle/session timeout (30, 60, 120 or 180 s); the RTP timeout then ends the call.',
    checks: ['The UDP session timeout for the media ports (raise it above the call length, or above 180 s)', 'Re-INVITEs (hold, transfer) changing ports that the firewall did not follow', 'Session timers (RFC 4028) refreshes answered'],
    fix: 'Raise the firewall UDP idle/session timeout for RTP and disable SIP ALG.',
    aliases: ['audio drops', 'call drops', 'audio stops', 'audio cuts', 'rtp timeout', 'drops after 30 seconds', 'dropped call'],
  },
  {
    id: 'ivr-audio-no-agent-audio',
    symptom: 'IVR audio but no agent audio',
    cause: 'Asymmetric RTP',
    check: 'Symmetric RTP enabled',
    faultDomain: 'customer-pbx',
    findings: ['media.asymmetric-rtp'],
    explanation: 'The RTP of the later leg comes from another address than the SDP announced; without symmetric RTP (latching) the audio is sent to the wrong place.',
    checks: ['The PBX sends RTP from the port it receives on (comedia / rtp_symmetric)', 'The agent leg announces the address it really sends from', 'Media anchoring on the PBX when it bridges an IVR and an agent'],
    fix: 'Enable symmetric RTP (comedia / rtp_symmetric / NAT=yes) on the PBX trunk.',
    aliases: ['ivr audio but no agent audio', 'ivr works agent silent', 'asymmetric rtp', 'no agent audio', 'transfer no audio'],
  },
];

// Section 7) of the guide: the codec requirements.
export const CODEC_RULE: CodecRule = {
  requirements: [
    { item: 'Supported codec', requirement: 'G.711 A-law' },
    { item: 'Other codecs', requirement: 'Not supported' },
    { item: 'Common failure', requirement: '415 / 488 errors' },
  ],
  ensure: ['G.711 A-law is enabled', 'No other codec is forced ahead of it', 'Transcoding is disabled (recommended)'],
  findings: ['sip.488.no-pcma', 'sip.415.not-sdp', 'codec.pcma-not-first', 'codec.non-pcma-negotiated', 'codec.transcoding'],
};
