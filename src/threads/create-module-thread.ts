import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Creates a thread running the module `name` next to the module `from` (its import.meta.url): the compiled
 * module, or, from the TypeScript sources (`npm run dev`), the source through tsx, which is slower to start.
 * `entry` overrides both: the tests pass the compiled module in dist/, which their setup builds first.
 */
export function createModuleThread(from: string, name: string, options: WorkerOptions, entry?: URL): Worker {
  if (entry) return new Worker(entry, options);
  if (from.endsWith('.js')) return new Worker(new URL(`./${name}.js`, from), options);
  const source = new URL(`./${name}.ts`, from).href;
  return new Worker(
    `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(source)}, ${JSON.stringify(from)}))`,
    { ...options, eval: true },
  );
}

/**
 * A small young generation: with V8's default, a thread's lazily collected garbage raised the peak RSS under
 * load, for no gain in throughput (docs/PERFORMANCE.md#young-generation-of-4-mb).
 */
export const YOUNG_GENERATION_MB = 4;
