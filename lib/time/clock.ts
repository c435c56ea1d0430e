/** The one way code asks "what time is it", so tests and `--now` can replay any moment. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const instant = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(instant.getTime())) throw new RangeError(`"${String(at)}" is not an ISO 8601 date-time`);
  return { now: () => new Date(instant) };
}
