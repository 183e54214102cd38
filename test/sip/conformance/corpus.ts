import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads the shared SIP corpora (../shared/corpus, present in CI) at run time; nothing is copied. */
export const CORPUS_ROOT = join(process.cwd(), '..', 'shared', 'corpus');
export const CORPUS_DIRS = ['sip-torture', 'sip-torture-ipv6', 'callflows'] as const;

export interface CorpusEntry {
  readonly dir: (typeof CORPUS_DIRS)[number];
  readonly name: string;
  readonly file: string;
  readonly rfc: string;
  readonly rfc_section: string;
  readonly title?: string;
  readonly kind: 'request' | 'response';
  readonly method_or_status: string | number;
  readonly expected: 'valid' | 'invalid';
  readonly parser?: string;
  readonly expected_response_codes?: Readonly<Record<string, readonly number[]>> | null;
  readonly bytes: number;
  readonly actual_body_length?: number;
  readonly data: Buffer;
}

export function corpusAvailable(): boolean {
  return CORPUS_DIRS.every((d) => existsSync(join(CORPUS_ROOT, d, 'manifest.json')));
}

export function loadCorpus(): CorpusEntry[] {
  const out: CorpusEntry[] = [];
  for (const dir of CORPUS_DIRS) {
    const manifest = JSON.parse(readFileSync(join(CORPUS_ROOT, dir, 'manifest.json'), 'utf8')) as { messages: Omit<CorpusEntry, 'dir' | 'data'>[] };
    for (const m of manifest.messages) out.push({ ...m, dir, data: readFileSync(join(CORPUS_ROOT, dir, m.file)) });
  }
  return out;
}

export function loadVariants(): { dir: string; file: string; data: Buffer }[] {
  const out: { dir: string; file: string; data: Buffer }[] = [];
  for (const dir of CORPUS_DIRS) {
    const manifest = JSON.parse(readFileSync(join(CORPUS_ROOT, dir, 'manifest.json'), 'utf8')) as { variants?: { file: string }[] };
    for (const v of manifest.variants ?? []) out.push({ dir, file: v.file, data: readFileSync(join(CORPUS_ROOT, dir, v.file)) });
  }
  return out;
}
