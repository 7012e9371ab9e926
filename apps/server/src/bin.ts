#!/usr/bin/env node
/**
 * `raas-customers`: the installed package's one command. `serve` starts the server; every other
 * command is an operator command on the same DATABASE_URL.
 */
import { runOperatorCommand, usage } from './operator.js';
import { serve } from './serve.js';
import { exitOnStartFailure } from './start-failure.js';

const PROGRAM = 'raas-customers';
const [command, ...rest] = process.argv.slice(2);

if (command === 'serve') {
  if (rest.includes('--help') || rest.includes('-h')) console.log(usage(PROGRAM, 'serve'));
  else serve().catch(exitOnStartFailure);
} else if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  console.log(usage(PROGRAM));
} else {
  process.exitCode = await runOperatorCommand(process.argv.slice(2), PROGRAM);
}
