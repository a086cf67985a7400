/** The two halves of doing a restore: is the till's database free, and the run with progress. */
import { useCallback, useEffect, useState } from 'react';
import type {
  RestoreProgressView,
  RestoreResult,
  RestoreWhat,
} from '../../../../main/ipc/contract.js';
import { ApiError, call, subscribe } from '../../api.js';
import type { DataType } from './wizard.js';

const asApiError = (e: unknown): ApiError =>
  e instanceof ApiError ? e : new ApiError({ code: 'INTERNAL', message: String(e) });

export interface LiveCheck {
  /** null until the first answer. */
  free: boolean | null;
  checking: boolean;
  error: ApiError | null;
  check: () => void;
}

export function useLiveCheck(sessionId: string | null): LiveCheck {
  // Each check is a tick; the answer names the tick it answers, so "checking" needs no flag.
  const [tick, setTick] = useState(0);
  const [answer, setAnswer] = useState<{
    tick: number;
    free: boolean | null;
    error: ApiError | null;
  }>({ tick: -1, free: null, error: null });
  useEffect(() => {
    if (!sessionId) return;
    let live = true;
    call('restore:check-live', { sessionId }).then(
      (r) => live && setAnswer({ tick, free: r.free, error: null }),
      (e: unknown) => live && setAnswer((a) => ({ ...a, tick, error: asApiError(e) })),
    );
    return () => {
      live = false;
    };
  }, [sessionId, tick]);
  const check = useCallback(() => setTick((n) => n + 1), []);
  return {
    free: answer.free,
    checking: sessionId !== null && answer.tick !== tick,
    error: answer.error,
    check,
  };
}

export interface Run {
  running: boolean;
  progress: RestoreProgressView | null;
  result: RestoreResult | null;
  error: ApiError | null;
  run: (what: RestoreWhat, keepNew: DataType[] | null) => void;
}

export function useRestoreRun(sessionId: string | null): Run {
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<RestoreProgressView | null>(null);
  const [result, setResult] = useState<RestoreResult | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(
    () =>
      subscribe('restore:progress', (p) => {
        if (p.sessionId === sessionId) setProgress(p);
      }),
    [sessionId],
  );
  const run = useCallback(
    (what: RestoreWhat, keepNew: DataType[] | null) => {
      if (!sessionId) return;
      setRunning(true);
      setError(null);
      setProgress(null);
      call('restore:run', { sessionId, what, keepNew })
        .then(setResult, (e: unknown) => setError(asApiError(e)))
        .finally(() => setRunning(false));
    },
    [sessionId],
  );
  return { running, progress, result, error, run };
}
