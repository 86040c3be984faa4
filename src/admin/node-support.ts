/**
 * The Node.js release lines mzi is tested on and supports (README, "Node.js versions"). Node 20 reached its end
 * of life on 2026-04-30: it still runs mzi (the machine images of some schools have nothing newer), with a
 * warning from `mzi doctor`.
 */
export const SUPPORTED_NODE_LINES: readonly number[] = [22, 24];

/** End-of-life dates of the lines mzi still starts on (https://nodejs.org/en/about/previous-releases). */
const END_OF_LIFE: Readonly<Record<number, string>> = {
  20: '2026-04-30',
  22: '2027-04-30',
  24: '2028-04-30',
};

/** What `mzi doctor` says of the Node.js running it. */
export function nodeSupportCheck(
  version: string = process.version,
  today: Date = new Date(),
): { name: string; status: 'ok' | 'warn'; detail: string; fix?: string } {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? Number.NaN);
  const supported = SUPPORTED_NODE_LINES.map((line) => `${line}`).join(' and ');
  const endOfLife = END_OF_LIFE[major];
  const ended = endOfLife !== undefined && today.toISOString().slice(0, 10) > endOfLife;
  if (SUPPORTED_NODE_LINES.includes(major) && !ended) {
    return { name: 'node', status: 'ok', detail: `Node.js ${version}, a supported LTS line (${supported})` };
  }
  return {
    name: 'node',
    status: 'warn',
    detail: ended
      ? `Node.js ${version} reached its end of life on ${endOfLife}: it gets no security fixes`
      : `Node.js ${version} is not a line mzi is tested on (${supported})`,
    fix: `Install Node.js ${SUPPORTED_NODE_LINES.at(-1)} LTS (or ${SUPPORTED_NODE_LINES[0]} LTS) and run \`npm ci\` again, so that the native SQLite driver is rebuilt for it.`,
  };
}
