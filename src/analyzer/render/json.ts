/**
 * `--json`: the report model is the document (docs/diagnose-json.md). Two-space indent so that
 * people can read it too; a trailing newline so that shells print it cleanly.
 */
import type { DiagnoseReport } from '../report.js';

export function renderJson(report: DiagnoseReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
