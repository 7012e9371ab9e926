/** `node dist/cli.js <command>` (behind `pnpm raas`): the operator commands. */
import { runOperatorCommand } from './operator.js';

process.exitCode = await runOperatorCommand(process.argv.slice(2), 'raas');
