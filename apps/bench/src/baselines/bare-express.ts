/** The framework floor: Express 5 with express.json(), returning constant objects. */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';

const bodies = JSON.parse(readFileSync(process.env.BENCH_BODIES!, 'utf8')) as Record<string, unknown>;
const app = express();
app.use(express.json());
app.get('/raas/v2/customers', (_req, res) => {
  res.json(bodies.list);
});
app.get('/raas/v2/customers/:customerIdentifier', (_req, res) => {
  res.json(bodies.customer);
});
app.post('/raas/v2/customers', (_req, res) => {
  res.status(201).json(bodies.createdCustomer);
});
app.post('/raas/v2/customers/:customerIdentifier/accounts', (_req, res) => {
  res.status(201).json(bodies.createdAccount);
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
