// Server configuration the console needs (not account data): sip_domain for a trunk's domain_name.
export interface ConsoleConfig {
  readonly sip_domain: string;
  readonly nso_codes: readonly string[];
}

let loaded: Promise<ConsoleConfig> | undefined;

export function consoleConfig(): Promise<ConsoleConfig> {
  loaded ??= fetch('/console/config.json', { cache: 'no-store' }).then((r) => r.json() as Promise<ConsoleConfig>);
  return loaded;
}
