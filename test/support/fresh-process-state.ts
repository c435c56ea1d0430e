/**
 * Test files share their worker's module state (vitest.config.ts: isolate false, for speed): what one
 * file leaves in a process-wide singleton must not change another's results. Runs before each file.
 */
import { beforeAll } from 'vitest';
import { redactor } from '../../lib/log/index.ts';
import { forgetSoracomSessions } from '../../lib/providers/soracom/index.ts';

beforeAll(() => {
  // Secrets another file registered would mask this file's words (an invoice id, an account name).
  redactor.clear();
  forgetSoracomSessions();
});
