import { InvalidArgumentError } from 'commander';

/** Commander's parser for a count option such as `--limit`: a whole number from 1 to 10000. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new InvalidArgumentError('must be a whole number from 1 to 10000');
  return n;
}
