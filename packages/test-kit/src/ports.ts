import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago, for a program that cannot be given port 0 (Prism,
 * or a test that must know the port beforehand). Another process may take it in between: a
 * caller that cannot afford that retries on a fresh one.
 */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
