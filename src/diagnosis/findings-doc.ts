import { FINDING_CATALOGUE } from './catalogue.js';
import { EDGE_CAUSES } from './edge-causes.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** docs/findings.md, generated from the catalogue; test/diagnosis/findings-doc.test.ts keeps the file equal to it. */
export function renderFindingsMarkdown(): string {
  const specific = [...FINDING_CATALOGUE.values()].filter((f) => !/^sip\.\d{3}$/.test(f.id));
  const generic = [...FINDING_CATALOGUE.values()].filter((f) => /^sip\.\d{3}$/.test(f.id));
  const lines = [
    '# Findings',
    '',
    '<!-- Generated from src/diagnosis/catalogue.ts by renderFindingsMarkdown(); do not edit by hand. -->',
    '',
    'Every finding the diagnosis engine produces has a stable id, the same whether the evidence came',
    'from a capture (`trunkline diagnose`), the edge\'s call record or the media relay.',
    '`trunkline explain <id>` prints one of them.',
    '',
    '## Findings reached from evidence',
    '',
    '| id | code | severity | fault domain | title | reported when |',
    '|---|---|---|---|---|---|',
    ...specific.map((f) => `| \`${f.id}\` | ${f.code ?? ''} | ${f.severity} | ${f.fault_domain} | ${cell(f.title)} | ${cell(f.when)} |`),
    '',
    '## The guide\'s row for a final response',
    '',
    'When no sharper finding explains the code that ended a call, the engine reports `sip.<code>` with',
    'the guide\'s row (or the IANA registry entry) and what was seen.',
    '',
    '| id | severity | fault domain | title |',
    '|---|---|---|---|',
    ...generic.map((f) => `| \`${f.id}\` | ${f.severity} | ${f.fault_domain} | ${cell(f.title)} |`),
    '',
    '## Edge causes',
    '',
    'The edge records one of these causes (`evidence.edgeCause`) for every call it refuses or ends itself.',
    '',
    '| cause | sends | header | finding |',
    '|---|---|---|---|',
    ...Object.values(EDGE_CAUSES).map((e) => `| \`${e.cause}\` | ${e.sends === 'bye' ? `BYE (Reason cause=${e.status})` : `${e.status} ${e.phrase}`} | ${e.header === 'warning' ? `Warning ${e.warnCode}` : 'Reason'}: ${cell(e.text)} | \`${e.findingId}\` |`),
    '',
  ];
  return lines.join('\n');
}
