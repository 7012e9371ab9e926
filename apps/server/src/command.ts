/**
 * The command line, shared by the installed package's `raas-customers` and a checkout's
 * `pnpm raas`: `serve` starts the server; every other command is an operator command on the same
 * DATABASE_URL.
 */
import { runOperatorCommand, usage } from './operator.js';
import { serve } from './serve.js';
import { exitOnStartFailure } from './start-failure.js';

export async function runCommand(program: string, argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve') {
    if (rest.includes('--help') || rest.includes('-h')) console.log(usage(program, 'serve'));
    else await serve().catch(exitOnStartFailure);
  } else if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage(program));
  } else {
    process.exitCode = await runOperatorCommand(argv, program);
  }
}
