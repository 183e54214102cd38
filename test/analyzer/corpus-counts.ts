// Per-file finding counts over the whole corpus (../shared/corpus/pcaps): `finding id: calls`.
// test/analyzer/corpus-findings.test.ts holds diagnose to these. A change here is a change in
// what trunkline tells users about real captures: each was checked by hand with tshark before
// it was accepted (the commit that changes a line says what was checked).
export const CORPUS_FINDING_COUNTS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'geunhyung_an__sip-call.pcap': { 'codec.pcma-not-first': 2, 'media.not-observed': 2, 'sip.404': 3, 'sip.501': 3 },
  'geunhyung_an__sip-register.pcap': {},
  // security.scanner (reviewed with tshark): 172.25.105.43 sends one OPTIONS with User-Agent
  // "UNfriendly-scanner - for demo purposes" (SIPVicious svmap renamed), then brute-forces the PBX's
  // web admin over HTTP — the Honeynet challenge's attacker. Counted once for its dialog, once for the capture.
  // capture.loss-after-capture-point (reviewed with tshark): rtp,streams sees 172.25.105.40:18150 → 172.25.105.3:63184
  // whole (1302 packets, 0 lost) while 172.25.105.3's RTCP reports on SSRC 0x42AFE59B count 4, 50, then 76 lost.
  // capture.loss-before-capture-point (reviewed with tshark): 172.25.105.3:63184 → 172.25.105.40:18150 (SSRC 0xA254E017)
  // has 1751 distinct sequence numbers over 6402–8182, 30 missing (tshark's "-30" nets them against 60 RFC 4733
  // duplicates); its RTP arrives with TTL 128 (0 routers from the sender) and no receiver report counts them:
  // info, saying the loss is not upstream in a routed network (the sender's segment, the sender, or the capture).
  'goffinet__Forensic_challenge_4.pcap': { 'capture.loss-after-capture-point': 1, 'capture.loss-before-capture-point': 1, 'codec.pcma-not-first': 1, 'security.scanner': 2, 'sip.404': 1 },
  'goffinet__REGISTER-Request.pcap': {},
  'goffinet__RTP-Protocol.pcap': {},
  'goffinet__SIP-Call-with-Proxy-Server.pcap': { 'media.not-observed': 1 },
  'goffinet__SIP-SDP-Example.pcap': { 'media.not-observed': 1 },
  // capture.dropped-packets: its last ISB (read by hand) counts isb_ifdrop 930 beside isb_ifrecv 8989 (dumpcap's own drops).
  'goffinet__branch-scenario-sipp.pcapng': { 'capture.dropped-packets': 1 },
  'goffinet__private-test-sip-2.pcapng': { 'codec.pcma-not-first': 1, 'media.one-way': 1, 'sip.501': 1 },
  'goffinet__private-test-sip.pcapng': { 'auth.credentials-loop': 10, 'auth.wrong-credentials': 2, 'codec.pcma-not-first': 4, 'reachability.no-response': 1, 'sip.404': 2, 'sip.480': 3, 'sip.483': 20, 'sip.501': 6 },
  'goffinet__sip-2phones-B2BUA-Asterisk.pcapng': { 'codec.non-pcma-negotiated': 2, 'sip.404': 1, 'sip.480': 1, 'sip.489': 6 },
  'goffinet__sip-488-Not-Acceptable-Here-codec-null.pcapng': { 'sip.488.no-usable-media': 1 },
  'goffinet__sip-cme-zoiper-register.pcapng': {},
  'goffinet__sip-direct.pcapng': { 'codec.pcma-not-first': 1, 'media.not-observed': 1 },
  'goffinet__sip-flow-private-2.pcapng': { 'codec.pcma-not-first': 1 },
  'goffinet__sip-flow-private-3.pcapng': { 'codec.pcma-not-first': 1 },
  'goffinet__sip-flow-private.pcapng': { 'codec.pcma-not-first': 1, 'media.one-way': 1, 'sip.501': 3 },
  'goffinet__sip-phone-to-phone.pcapng': { 'codec.pcma-not-first': 1 },
  'goffinet__sip-register-dns-srv.pcapng': {},
  'goffinet__sip-register-ok-unregister-2.pcapng': {},
  'goffinet__sip-register-ok-unregister.pcapng': { 'sip.404': 1, 'sip.489': 2 },
  'goffinet__sip-register-publish-subscribe-489-401.pcapng': { 'sip.404': 2, 'sip.489': 16 },
  'goffinet__sip-register-to-repo-proxy.pcapng': { 'sip.480': 5 },
  'goffinet__sip-register-wrong_password-401-403-401-403.pcapng': { 'auth.wrong-credentials': 2 },
  'goffinet__sip-register-wrong_user-401-403-404.pcapng': { 'auth.wrong-credentials': 1, 'sip.404': 1 },
  'goffinet__sip-register.pcapng': {},
  'goffinet__sip-rem-register.pcapng': {},
  'goffinet__sip-routing-error-wireshark.pcapng': { 'codec.pcma-not-first': 1, 'sip.404': 3, 'sip.480': 5, 'sip.489': 8 },
  'goffinet__test_voip.pcap.pcapng': { 'codec.pcma-not-first': 2 },
  'goffinet__uac-uas-scenario-sipp.pcapng': { 'codec.non-pcma-negotiated': 771, 'media.not-observed': 3 },
  'goffinet__voip-extension.pcap': { 'codec.pcma-not-first': 2, 'media.blocked-rtp': 1 },
  'goffinet__voip-extension2downata.pcap': { 'codec.pcma-not-first': 1 },
  'goffinet__voip1b.pcapng': { 'codec.non-pcma-negotiated': 1, 'codec.pcma-not-first': 1, 'media.silent-rtp': 2 },
  'heplify__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap': { 'media.blocked-rtp': 1 },
  'heplify__erspan_sip_ipv4_udp.pcapng': {},
  'heplify__rtp_rtcp_sip_ipv4_udp.pcap': {},
  'heplify__sip_ipv4_tcp.pcap': {},
  'heplify__sip_ipv4_tcp_fragmented.pcap': { 'codec.non-pcma-negotiated': 17, 'codec.pcma-not-first': 13, 'media.not-observed': 30, 'reachability.no-response': 1, 'sip.403.stated-cause': 1 },
  'heplify__sip_ipv4_tcp_retrans.pcap': {},
  'heplify__sip_ipv6_udp.pcap': { 'codec.non-pcma-negotiated': 1, 'media.not-observed': 1 },
  'heplify__sip_sctp.pcap': { 'sip.403.stated-cause': 1 },
  'heplify__sip_tcp_websocket.pcap': { 'codec.pcma-not-first': 2, 'media.not-observed': 2 },
  'ndpi__sip_hello.pcapng': {},
  'sip3__BootstrapTest.pcap': { 'codec.pcma-not-first': 1 },
  'sipp__g711a.pcap': {},
  'sngrep__aaa.pcap': { 'auth.wrong-credentials': 2, 'codec.pcma-not-first': 4, 'sip.408': 1, 'sip.480': 1 },
  'sngrep__ipip.pcap': { 'codec.pcma-not-first': 1, 'media.not-observed': 1 },
  'sngrep__ipv6frag.pcap': { 'media.not-observed': 1 },
  'sngrep__tlssaved.pcap': {},
  'voipshark__SIP-RTP-Normal_Call_two_parties.pcap': { 'codec.pcma-not-first': 2, 'media.asymmetric-rtp': 1 },
  'voipshark__SIP-SRTP-Normal_Call_two_parties.pcap': { 'codec.pcma-not-first': 2, 'media.asymmetric-rtp': 1 },
  'voipshark__SIP-over-TLS-RSA-SRTP_Normal_Call_two_parties.pcap': {},
  'voipshark__SIP-over-TLS-RTP-Normal_Call_two_parties.pcap': {},
};
