/**
 * One PostgreSQL server for the whole run: TEST_POSTGRES_URL if given, otherwise a private
 * cluster started here. Without either the run fails: the PostgreSQL tests are never skipped.
 */
import { postgresServer } from '@raas-customers/test-kit';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const server = await postgresServer();
  project.provide('postgresAdminUrl', server.adminUrl);
  return () => server.close();
}
