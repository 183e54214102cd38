import { ITEMS, type CheckResult, type PreflightReport } from './types.js';

const MARK: Record<CheckResult['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

/** One line per item, as the CLI prints it while the run goes (on a terminal). */
export function progressLine(r: CheckResult): string {
  return `  ${MARK[r.status]}  ${r.id.padEnd(18)} ${r.seen}`;
}

/** The report as text: the guide's checklist items in order, each check under its item, the change to make under a failure. */
export function renderPreflight(report: PreflightReport): string {
  const lines: string[] = [];
  const tls = report.edge.tls_port === null ? 'no TLS' : `TLS ${report.edge.tls_port}`;
  lines.push(`trunkline preflight: trunk domain ${report.trunk_domain}, edge ${report.edge.host} (SIP ${report.edge.sip_port}, ${tls})`);
  if (report.trunk_sid) lines.push(`trunk ${report.trunk_name} (${report.trunk_sid}) of account ${report.account_sid}`);
  if (report.public_address) lines.push(`this host as the edge sees it: ${report.public_address}`);
  for (const item of Object.values(ITEMS)) {
    const mine = report.items.filter((i) => i.item === item);
    if (mine.length === 0) continue;
    lines.push('', item);
    for (const r of mine) {
      lines.push(`  ${MARK[r.status]}  ${r.id.padEnd(18)} ${r.seen}`);
      if (r.change && r.status !== 'pass') lines.push(`        change: ${r.change}`);
    }
  }
  const s = report.summary;
  lines.push('', `${report.items.length} checks: ${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.skip} skipped — ${report.ok ? 'ready' : 'fix the FAIL items above, then run preflight again'}`);
  if (report.saved?.uri) lines.push(`stored on the edge as ${report.saved.uri} (a support bundle of a call on this trunk carries the latest)`);
  else if (report.saved?.error) lines.push(`not stored on the edge: ${report.saved.error}`);
  return `${lines.join('\n')}\n`;
}
