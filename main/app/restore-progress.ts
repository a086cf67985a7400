/**
 * A restore's progress as the window shows it: one bar over its phases, with the time left.
 * The engine reports each phase on its own; a backup rebuilt earlier skips the first.
 */
import type { RestoreProgress } from '../engine/restore/restore.js';
import type { AppCore } from './app-core.js';

const PHASES: Record<RestoreProgress['phase'], [number, number]> = {
  rebuild: [0, 0.5],
  'safety-backup': [0.5, 0.8],
  apply: [0.8, 0.95],
  check: [0.95, 1],
};

export function restoreProgressTo(core: AppCore, sessionId: string): (p: RestoreProgress) => void {
  const started = Date.now();
  return (p) => {
    const [from, to] = PHASES[p.phase];
    const fraction = from + (to - from) * (p.total > 0 ? p.done / p.total : 0);
    const elapsed = (Date.now() - started) / 1000;
    core.events.emit('restore:progress', {
      sessionId,
      phase: p.phase,
      fraction,
      etaSeconds:
        fraction > 0.05 && fraction < 1 ? Math.round((elapsed / fraction) * (1 - fraction)) : null,
    });
  };
}
