/** The tolerant reader's one rule for a field the figure does not need, shared by every provider's schemas. */
import type { z } from 'zod';

/** A field read when it fits `schema`, and as not stated (undefined) when absent, null or anything else. */
export function stated<S extends z.ZodType>(schema: S) {
  return schema.optional().catch(undefined);
}
