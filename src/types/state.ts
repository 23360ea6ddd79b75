/** Persisted state (statePath): small JSON written atomically, off the audio path. */
export interface StateStore {
  get<T>(key: string): T | undefined;
  /** Stores at once in memory; the file is written asynchronously (latest value wins). */
  set(key: string, value: unknown): void;
  /** Resolves when every change so far is on disk (graceful stop, tests). */
  flush(): Promise<void>;
}
