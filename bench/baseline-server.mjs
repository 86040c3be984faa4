// The ceiling for a Node receiver on this machine: a bare `node:http` server that reads the whole body into
// one buffer (as any webhook receiver must) and answers 200 with a small JSON body; nothing else.
// Usage: node bench/baseline-server.mjs PORT
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const reply = JSON.stringify({ success: true, status: 'queued' });

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(reply),
      'x-body-bytes': String(body.length),
    });
    response.end(reply);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening on ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
