import type { Command } from 'commander';
import { createAccount, storeLocation } from '../../app/index.js';
import { envOption } from '../env-option.js';
import { resolve } from 'node:path';

/** `trunkline accounts create SID` → {"account_sid","api_key","api_token"} on one line. */
export function register(program: Command): void {
  const accounts = program.command('accounts').description('manage API accounts');
  accounts
    .command('create')
    .description('create an account and print its API credentials once')
    .argument('<sid>', 'account sid (letters, digits, _ and -)')
    .addOption(envOption('--data-dir <dir>', 'data directory of the SQLite store').default('./data'))
    .addOption(envOption('--db <url>', 'postgres://… URL instead of the SQLite store'))
    .action(async (sid: string, opts: { dataDir: string; db?: string }) => {
      const created = await createAccount(storeLocation(resolve(opts.dataDir), opts.db), sid);
      process.stdout.write(`${JSON.stringify(created)}\n`);
    });
}
