/** Small React hooks over the contract: load once, reload on `status:changed`. */
import { useCallback, useEffect, useState } from 'react';
import type { EventName } from '../../main/ipc/contract.js';
import { ApiError, subscribe } from './api.js';

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, reloadOn: readonly EventName[] = []): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
      },
      (e: unknown) => {
        if (!live) return;
        setError(
          e instanceof ApiError ? e : new ApiError({ code: 'INTERNAL', message: String(e) }),
        );
      },
    );
    return () => {
      live = false;
    };
    // `load` is a fresh closure each render; `tick` is what asks for a reload.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tick]);
  const events = reloadOn.join('|');
  useEffect(() => {
    const offs = (events ? (events.split('|') as EventName[]) : []).map((e) =>
      subscribe(e, reload),
    );
    return () => offs.forEach((off) => off());
  }, [events, reload]);
  return { data, error, loading: data === null && error === null, reload };
}
