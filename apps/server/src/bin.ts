#!/usr/bin/env node
/** `raas-customers`: the installed package's one command (see command.ts). */
import { runCommand } from './command.js';

await runCommand('raas-customers', process.argv.slice(2));
