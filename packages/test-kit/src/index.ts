/**
 * What the server's tests, the client's tests and the bench share, once: the Basic header, a
 * child-process spawner that waits for the "listening on" banner, temporary directories and
 * databases (SQLite files, PostgreSQL databases on a throwaway cluster), and CPU and memory
 * readings from /proc. Nothing here knows the server's internals.
 */
export { basic, type Credentials } from './auth.js';
export {
  type PostgresServer,
  type TemporaryDatabase,
  type TemporaryDirectory,
  type DatabaseKind,
  postgresServer,
  temporaryDatabase,
  temporaryDirectory,
  temporaryPostgres,
  temporarySqlite,
} from './databases.js';
export { SANDBOX_CARDS, type SandboxCard, sandboxCardRequest } from './fixtures.js';
export { freePort } from './ports.js';
export { LISTENING_ON, type ProcessResult, type RunningProcess, type StartOptions, runToExit, startProcess } from './processes.js';
export { cpuMicros, peakRssMb } from './usage.js';
