import { useEffect, useState } from 'react';
import { ApiFailure, api } from './api';

/** GETs `path` now and every `ms` while the component is shown: the latest answer, or the error of the latest try. */
export function usePoll<T>(path: string, ms = 2000): { data: T | null; error: string | null } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api<T>('GET', path)
        .then((r) => live && (setData(r), setError(null)))
        .catch((e) => live && setError(e instanceof ApiFailure ? `${e.error.code}: ${e.error.message}` : String(e)));
    load();
    const t = setInterval(load, ms);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [path, ms]);
  return { data, error };
}
