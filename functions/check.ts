/**
 * The scheduled check: every tick (EventBridge, 15 min by default) reads each account once,
 * evaluates every budget and publishes each new crossing to SNS once. With more accounts than
 * SPENDWATCH_FANOUT_THRESHOLD it enqueues them in batches for functions/check-worker.ts instead.
 * Settings: lib/aws/environment.ts; composition: lib/runtime/check.ts.
 */
import { scheduledCheckFromEnvironment } from '../lib/runtime/check.ts';

// Module scope: clients, logger, cached secrets and provider sessions live as long as the container.
export const handler = scheduledCheckFromEnvironment(process.env);
