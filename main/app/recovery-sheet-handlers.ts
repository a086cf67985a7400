/**
 * The recovery plan's channels: its facts for the sheet screen, and the sheet printed to a PDF
 * file where the owner chooses in main's own save dialog (the window never names the path).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import { renameIntoPlace } from '../engine/fs/atomic-file.js';
import type { Request, Response } from '../ipc/contract.js';
import { AppFailure } from '../ipc/errors.js';
import type { AppCore } from './app-core.js';
import { findJob } from './plan-places.js';
import { buildRecoverySheet } from './recovery-sheet.js';

type RecoverySheetChannel = 'plan:recovery-sheet' | 'plan:recovery-pdf';

export type RecoverySheetHandlers = {
  [C in RecoverySheetChannel]: (request: Request<C>) => Promise<Response<C>>;
};

/** "Recovery plan – Shop data – 2026-12-07.pdf": a file name without path separators. */
function pdfName(plan: string, now: Date): string {
  const safe = plan.replace(/[\\/:*?"<>|\p{Cc}]/gu, '_').slice(0, 60);
  return `Recovery plan - ${safe} - ${now.toISOString().slice(0, 10)}.pdf`;
}

export function createRecoverySheetHandlers(core: AppCore): RecoverySheetHandlers {
  const { platform } = core;
  return {
    'plan:recovery-sheet': async (req) =>
      buildRecoverySheet(
        findJob(core, req.jobId),
        core.state.get(req.jobId),
        core.now(),
        os.hostname(),
        platform.printToPdf !== undefined,
      ),
    'plan:recovery-pdf': async (req) => {
      const job = findJob(core, req.jobId);
      if (!platform.printToPdf) {
        throw new AppFailure(
          'NOT_FOUND',
          'This window cannot be saved as a PDF; print it instead.',
        );
      }
      // Printed before the dialog opens: the sheet is what the window shows now.
      const pdf = await platform.printToPdf();
      const file = await platform.pickSaveFile(pdfName(job.name, core.now()));
      if (!file) return { file: null };
      await renameIntoPlace(file, (temp) => fs.writeFile(temp, pdf));
      return { file: core.grants.grant(file) };
    },
  };
}
