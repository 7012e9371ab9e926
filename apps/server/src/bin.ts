#!/usr/bin/env node
/** `raas-customers`: the installed package's one command (see command.ts). */
import { runCommand } from './command.js';

// The bundle ships its source map: stack traces in the log point at our sources, not the bundle.
process.setSourceMapsEnabled(true);
await runCommand('raas-customers', process.argv.slice(2));
