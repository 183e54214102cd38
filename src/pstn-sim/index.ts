// pstn-sim: the built-in carrier — test numbers whose last four digits choose the outcome, and test-call origination.
export { behaviourFor, reasonPhrase, REASON_PHRASES, type SimBehaviour } from './behaviour.js';
export { PstnSimErrorCodes, type PstnSimErrorCode } from './errors.js';
export { scriptFor, type SimScript, type SimStep } from './script.js';
export { PstnSimulator, type SimOptions, type SimSipPort, type SimServerTx, type SimHop, type SimClientEvents } from './simulator.js';
export { EchoEndpoint, EchoPool, simSdp } from './echo.js';
export { startPstnSim, type PstnSimServer, type PstnSimServerOptions } from './sim-server.js';
