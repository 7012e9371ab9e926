/** `node dist/cli.js` (behind a checkout's `pnpm raas`): the same commands as `raas-customers`. */
import { runCommand } from './command.js';

await runCommand('raas', process.argv.slice(2));
