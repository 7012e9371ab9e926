/** The physical floor: node:http answering the same JSON our server would, with nothing else. */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

const bodies = JSON.parse(readFileSync(process.env.BENCH_BODIES!, 'utf8')) as Record<string, unknown>;
const customer = JSON.stringify(bodies.customer);
const list = JSON.stringify(bodies.list);
const created = JSON.stringify(bodies.createdCustomer);
const account = JSON.stringify(bodies.createdAccount);

const server = createServer((req, res) => {
  const send = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (req.method === 'GET') return send(200, req.url === '/raas/v2/customers' ? list : customer);
  // Read the body as a real server must, then answer.
  req.resume();
  req.on('end', () => send(201, req.url?.endsWith('/accounts') ? account : created));
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
