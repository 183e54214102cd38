#!/usr/bin/env node
// cli: the `trunkline` binary — one file per command under commands/, each exporting register().
import { Command, CommanderError } from 'commander';
import { isTrunklineError } from '../core/index.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { isUsageError } from '../app/index.js';
// One line per command; append new commands here. Each is imported only when it is the one run
// (all of them for help or an unknown name): `diagnose` need not load the store, the API and the
// edge that `bundle` and `calls` import (~1 s of CPU).
type Registrar = () => Promise<(program: Command) => void>;
const COMMANDS: Readonly<Record<string, Registrar>> = {
  serve: async () => (await import('./commands/serve.js')).register,
  accounts: async () => (await import('./commands/accounts.js')).register,
  diagnose: async () => (await import('./commands/diagnose.js')).register,
  explain: async () => (await import('./commands/explain.js')).register,
  preflight: async () => (await import('./commands/preflight.js')).register,
  bundle: async () => (await import('./commands/bundle.js')).register,
  calls: async () => (await import('./commands/calls.js')).register,
};

const program = new Command();
program
  .name('trunkline')
  .description('A self-hostable SIP trunking edge with the provisioning API and the troubleshooting built in')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

async function registerCommands(argv: readonly string[]): Promise<void> {
  const name = argv[2] ?? '';
  const chosen = Object.hasOwn(COMMANDS, name) ? [COMMANDS[name]] : Object.values(COMMANDS);
  for (const register of await Promise.all(chosen.map((load) => load()))) register(program);
}

/** Commands throw; this is the one place that turns an outcome into an exit code. */
async function main(argv: readonly string[]): Promise<number> {
  try {
    await registerCommands(argv);
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
