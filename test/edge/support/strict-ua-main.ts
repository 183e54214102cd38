import { StrictUa, type AgentConfig } from './strict-ua.js';

// A StrictUa as its own process (so it can run inside a network namespace: `ip netns exec NS
// node strict-ua-main.js CONFIG`): prints {"event":"ready",sip,rtp} once bound, then
// {"event":"done",report} and exits.
const config = JSON.parse(process.argv[2] ?? '{}') as AgentConfig;
const ua = new StrictUa(config);
const ports = await ua.open();
process.stdout.write(`${JSON.stringify({ event: 'ready', ...ports })}\n`);
const report = await (config.role === 'uac' ? ua.runUac() : ua.runUas());
// Late retransmissions are answered for a moment before the sockets close.
await new Promise((r) => setTimeout(r, 200));
ua.close();
process.stdout.write(`${JSON.stringify({ event: 'done', report })}\n`);
