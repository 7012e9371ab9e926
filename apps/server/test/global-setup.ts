/**
 * One PostgreSQL server for the whole run: TEST_POSTGRES_URL if given, otherwise a private
 * cluster started here. Without either the run fails: the PostgreSQL tests are never skipped.
 */
import type { TestProject } from 'vitest/node';
import { startCluster } from '@raas-customers/pg-cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const given = process.env.TEST_POSTGRES_URL;
  if (given) {
    project.provide('postgresAdminUrl', given);
    return () => {};
  }
  const cluster = await startCluster();
  project.provide('postgresAdminUrl', cluster.adminUrl);
  return () => cluster.destroy();
}
