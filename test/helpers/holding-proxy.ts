import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of a test server that can hold a request: the `holdAt`-th request matching `matches`
 * (and every later match) waits unanswered until `release()`. A test kills a process while it waits there, at a
 * known point of its work, without timing. `onMatch` runs before each matching request is passed on.
 */
export async function startHoldingProxy(options: {
  matches: (req: IncomingMessage) => boolean;
  holdAt?: number | undefined;
  onMatch?: (count: number) => void;
}) {
  let target = '';
  let matched = 0;
  let releaseAll: () => void = () => {};
  let released = new Promise<void>((resolve) => {
    releaseAll = resolve;
  });
  let reachedHold: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    reachedHold = resolve;
  });
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', target);
    const outgoing = request(
      url,
      { method: req.method, headers: { ...req.headers, host: url.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    outgoing.on('error', () => res.destroy());
    req.pipe(outgoing);
  };
  const server = createServer((req, res) => {
    if (!options.matches(req)) return forward(req, res);
    matched += 1;
    options.onMatch?.(matched);
    if (options.holdAt === undefined || matched < options.holdAt) return forward(req, res);
    reachedHold();
    void released.then(() => forward(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    /** Where requests go (set once the target server runs). */
    setTarget(value: string) {
      target = value;
    },
    matched: () => matched,
    /** Resolves once a request is held. */
    held,
    release() {
      options.holdAt = undefined;
      releaseAll();
      released = Promise.resolve();
    },
    close: async () => {
      releaseAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
