#!/usr/bin/env node
// cli: the `trunkline` binary — one file per command under commands/, each exporting register().
import { Command, CommanderError } from 'commander';
import { isTrunklineError } from '../core/index.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { isUsageError } from '../app/index.js';
// One line per command; append new commands here.
import { register as registerServe } from './commands/serve.js';
import { register as registerAccounts } from './commands/accounts.js';
import { register as registerDiagnose } from './commands/diagnose.js';
import { register as registerExplain } from './commands/explain.js';
import { register as registerPreflight } from './commands/preflight.js';
import { register as registerBundle } from './commands/bundle.js';
import { register as registerCalls } from './commands/calls.js';

const program = new Command();
program
  .name('trunkline')
  .description('A self-hostable SIP trunking edge with the provisioning API and the troubleshooting built in')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerServe(program);
registerAccounts(program);
registerDiagnose(program);
registerExplain(program);
registerPreflight(program);
registerBundle(program);
registerCalls(program);

/** Commands throw; this is the one place that turns an outcome into an exit code. */
async function main(argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync([...argv]);
    return process.exitCode === undefined ? EXIT_OK : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    if (isUsageError(err)) {
      process.stderr.write(`trunkline: ${(err as Error).message}\n`);
      return EXIT_USAGE;
    }
    const message = isTrunklineError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`trunkline: ${message}\n`);
    return EXIT_FAILURE;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`trunkline: ${String(err)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
