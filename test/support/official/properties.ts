import type * as fc from 'fast-check';

/**
 * fc.assert settings for the contract properties: enough runs to meet each shape of body, with the
 * error in the report. A run is cut off after a while on a busy machine (counted as a pass if nothing
 * failed by then); a failure found by then is reported with the smallest counterexample reached.
 */
export function contractRuns(numRuns = 60): fc.Parameters<unknown> {
  return {
    numRuns,
    interruptAfterTimeLimit: 10_000,
    markInterruptAsFailure: false,
    includeErrorInReport: true,
  };
}

/** Per test: the runs above plus shrinking a failure. */
export const PROPERTY_TIMEOUT_MS = 40_000;
