/** A command used wrongly (a missing flag, an unknown account): exit 2, nothing run. */
export class UsageError extends Error {}
