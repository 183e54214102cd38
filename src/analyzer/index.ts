// analyzer: capture results + diagnosis → the report model (calls, ladders, streams, findings), and its renderers.
export { AnalyzerErrorCodes, type AnalyzerErrorCode } from './errors.js';
export { REPORT_SCHEMA } from './report.js';
export type {
  CallReport,
  LinkedCallReport,
  ProblemReport,
  CaptureFindingReport,
  CallState,
  DiagnoseReport,
  FileErrorReport,
  FileReport,
  FindingReport,
  LadderMessage,
  SdpSideReport,
  StreamReport,
  StreamQualityReport,
  HangupReport,
  DtmfReport,
  SummaryReport,
  UnreadableReport,
  CapturePointReport,
  TcpGapReport,
} from './report.js';
export { buildReport, rankProblems, findCall, markAcceptedSources, observeMedia, toEvidence, type Diagnoser, type ReportInput } from './build-report.js';
export { buildCallReport } from './call-report.js';
export { diagnoseCaptureFiles, type DiagnoseFilesOptions } from './diagnose-files.js';
export { renderCallTable, renderCallDetail, renderSummaryText } from './render/text.js';
export { renderJson } from './render/json.js';
export { renderHtml } from './render/html.js';
