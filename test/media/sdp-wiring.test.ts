import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MediaRelay } from '../../src/media/index.js';
import { checkOffer, holdState, mediaEndpoint, parseSdp, reduceCodecs, rewriteForRelay } from '../../src/sdp/index.js';
import { Peer, rtpPacket, until } from './rtp-peer.js';
import { engineRange, mediaEngines } from './engines.js';

for (const engine of mediaEngines()) {
describe(`${engine} engine`, () => {

  const relay = new MediaRelay({ engine, host: '127.0.0.1', portRange: engineRange('3800-3899', engine) });
  after(() => relay.close());

  const sdp = (port: number, extra: string[] = []) =>
    ['v=0', 'o=pbx 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 18 8 101`, 'a=rtpmap:101 telephone-event/8000', ...extra].join('\r\n') + '\r\n';

  test('offer → relay → rewritten SDP each side receives; a re-INVITE with new ports moves the media', async () => {
    const pbx = await Peer.open();
    const pbxNew = await Peer.open();
    const carrier = await Peer.open();
    const session = await relay.createSession('CA-wiring');
    // Customer offer: checked, pointed at leg B for the carrier with the trunk's codecs only.
    const offer = sdp(pbx.port);
    const check = checkOffer(offer);
    assert.ok(check.ok);
    session.setRemote('A', mediaEndpoint(offer)!);
    const toCarrier = rewriteForRelay(reduceCodecs(offer), { address: relay.advertisedAddress, media: [{ rtpPort: session.legB.rtpPort, rtcpPort: session.legB.rtcpPort }] });
    assert.equal(parseSdp(toCarrier).media[0].port, session.legB.rtpPort);
    assert.equal(String(parseSdp(toCarrier).media[0].payloads), '8 101');
    // Carrier answer (early media or 200): pointed at leg A for the customer.
    const answer = sdp(carrier.port);
    session.setRemote('B', mediaEndpoint(answer)!);
    const toCustomer = rewriteForRelay(answer, { address: relay.advertisedAddress, media: [{ rtpPort: session.legA.rtpPort, rtcpPort: session.legA.rtcpPort }] });
    assert.equal(mediaEndpoint(toCustomer)!.rtpPort, session.legA.rtpPort);
    session.answered();
    await carrier.send(rtpPacket({ seq: 1, ssrc: 0xb }), session.legB.rtpPort);
    await until(() => pbx.received.length === 1, 'carrier audio at the PBX');
    await pbx.send(rtpPacket({ seq: 1 }), session.legA.rtpPort);
    await until(() => carrier.received.length === 1, 'PBX audio at the carrier');
    // Hold, then resume on a new port (RFC 3264 §8.3.1 / §8.4).
    const hold = sdp(pbx.port, ['a=sendonly']);
    session.setHold(holdState(hold).held);
    assert.equal(session.stats().held, true);
    const resume = sdp(pbxNew.port);
    session.setHold(holdState(resume).held);
    session.setRemote('A', mediaEndpoint(resume)!);
    await carrier.send(rtpPacket({ seq: 2, ssrc: 0xb }), session.legB.rtpPort);
    await until(() => pbxNew.received.length === 1, 'carrier audio at the PBX\'s new port');
    await pbxNew.send(rtpPacket({ seq: 2, ssrc: 0xc }), session.legA.rtpPort);
    await until(() => carrier.received.length === 2, 'audio from the new port relayed');
    assert.equal(session.stats().directions.aToB.source, `127.0.0.1:${pbxNew.port}`);
    assert.equal(session.stats().directions.aToB.latches, 2);
    await Promise.all([session.close(), pbx.close(), pbxNew.close(), carrier.close()]);
  });
});
}
