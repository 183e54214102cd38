import { Option } from 'commander';

/**
 * SPEC §7: every flag also reads TRUNKLINE_<FLAG> from the environment
 * (`--http-port` ↔ `TRUNKLINE_HTTP_PORT`). Build every option through this helper so the
 * environment name is derived the same way everywhere; commander gives the flag precedence.
 */
export function envName(flags: string): string {
  const long = /--(?:no-)?([a-z0-9-]+)/.exec(flags);
  if (!long) throw new Error(`option ${flags} has no long name`);
  const negated = flags.includes('--no-');
  return `TRUNKLINE_${negated ? 'NO_' : ''}${long[1].replace(/-/g, '_').toUpperCase()}`;
}

export function envOption(flags: string, description: string): Option {
  const name = envName(flags);
  // commander shows "(env: NAME)" in --help itself.
  return new Option(flags, description).env(name);
}

/** For repeatable flags (`--carrier URI`...): collects values; the env form is comma-separated. */
export function collect(value: string, previous: string[] | undefined): string[] {
  const parts = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return [...(previous ?? []), ...parts];
}
