/**
 * Capture files → report: the capture layer reads (streaming, all files into one set of calls),
 * the diagnosis layer's rules run on every call, the report model is built. The CLI, the API and
 * the support bundle call this; the renderers take it from there.
 */
import { analyzeCaptureFiles } from '../capture/index.js';
import { diagnoseAcross, diagnoseCall, type DiagnosisThresholds } from '../diagnosis/index.js';
import { buildReport } from './build-report.js';
import type { DiagnoseReport } from './report.js';

export interface DiagnoseFilesOptions {
  /** Bytes read so far, over all files. */
  readonly onProgress?: (bytesRead: number) => void;
  readonly hepPorts?: readonly number[];
  /** The media limits (default the engine's own; serve's --media-window/--rtp-stop/--silence-threshold to match a live record). */
  readonly thresholds?: Partial<DiagnosisThresholds>;
}

export async function diagnoseCaptureFiles(paths: readonly string[], options: DiagnoseFilesOptions = {}): Promise<DiagnoseReport> {
  let done = 0; // bytes of the files already finished
  let current = 0;
  const result = await analyzeCaptureFiles(paths, {
    ...(options.hepPorts ? { hepPorts: options.hepPorts } : {}),
    ...(options.onProgress
      ? {
          onProgress: (bytesRead: number): void => {
            // bytesRead restarts at each file.
            if (bytesRead < current) done += current;
            current = bytesRead;
            options.onProgress?.(done + current);
          },
        }
      : {}),
  });
  return buildReport(result, {
    diagnose: (ev) => diagnoseCall(ev, options.thresholds ? { thresholds: options.thresholds } : {}),
    across: (calls) => diagnoseAcross(calls),
  });
}
