import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Asks one question on the terminal and returns the trimmed answer. With `hidden`, what is typed is not echoed
 * (a secret, a grant code): readline writes to a stream that drops everything while the answer is typed.
 */
export async function prompt(question: string, options: { hidden: boolean }): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once('SIGINT', () => reject(new Error('cancelled')));
      rl.question(question, (answer) => resolve(answer.trim()));
      muted = options.hidden;
    });
  } finally {
    muted = false;
    if (options.hidden) process.stderr.write('\n');
    rl.close();
  }
}

/** True when both ends are a terminal, so that questions can be asked. */
export const canPrompt = () => process.stdin.isTTY === true && process.stderr.isTTY === true;
