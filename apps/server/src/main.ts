/** `node dist/main.js`: the server (the same as `raas-customers serve`). */
import { exitOnStartFailure } from './start-failure.js';
import { serve } from './serve.js';

serve().catch(exitOnStartFailure);
