/**
 * The body of one work-queue message, what the scheduled check's fan-out (fan-out.ts) sends and the
 * worker (check-worker.ts) reads: the CheckEvent that names accounts. Its own module, so the worker
 * does not bundle the sender's SQS client.
 */
import * as z from 'zod';

export const WorkMessage = z.object({ accountIds: z.array(z.string().min(1)).min(1) }).strict();
export type WorkMessage = z.infer<typeof WorkMessage>;
