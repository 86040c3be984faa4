import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

function benchFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'results' ? [] : benchFiles(path);
    return /\.(ts|mjs|js)$/.test(entry.name) ? [path] : [];
  });
}

describe('the benchmark', () => {
  it('loads only modules of mzi’s build that have a source in src/', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const file of benchFiles('bench')) {
      for (const [, built] of readFileSync(join(ROOT, file), 'utf8').matchAll(/'dist\/([\w/.-]+)\.js'/g)) {
        checked += 1;
        if (!existsSync(join(ROOT, 'src', `${built}.ts`))) missing.push(`${file}: dist/${built}.js`);
      }
    }
    // The benchmark runs mzi's build: a module that moved in src/ would fail it only when it runs.
    expect(checked).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
