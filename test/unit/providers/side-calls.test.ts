import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../lib/http/index.ts';
import { memoryLogger } from '../../../lib/log/index.ts';
import { SideCalls } from '../../../lib/providers/side-calls.ts';

const forbidden = new ProviderError({
  provider: 'soracom',
  accountId: 'fleet-jp',
  endpoint: 'GET /bills/summaries/bill_items',
  kind: 'auth',
  status: 403,
  detail: 'the SAM user may not call this API',
});

describe('side calls of a reading', () => {
  it('gives the fallback for a provider failure and names the part, the endpoint and the reason', async () => {
    const logger = memoryLogger();
    const calls = new SideCalls(logger, { provider: 'soracom', id: 'fleet-jp' });
    const lines = await calls.attempt('breakdown', [], () => Promise.reject(forbidden));
    expect(lines).toEqual([]);
    expect(calls.marks()).toEqual({
      missing: [
        {
          part: 'breakdown',
          endpoint: 'GET /bills/summaries/bill_items',
          reason: 'HTTP 403: the SAM user may not call this API',
        },
      ],
    });
    expect(logger.records()).toEqual([
      expect.objectContaining({ level: 'warn', account: 'fleet-jp', part: 'breakdown' }),
    ]);
  });

  it('marks nothing when every side call answered', async () => {
    const calls = new SideCalls(memoryLogger(), { provider: 'soracom', id: 'fleet-jp' });
    expect(await calls.attempt('daily', [], () => Promise.resolve([1]))).toEqual([1]);
    expect(calls.marks()).toEqual({});
  });

  it('lets our own faults through: a partial reading is for what a provider did', async () => {
    const calls = new SideCalls(memoryLogger(), { provider: 'soracom', id: 'fleet-jp' });
    await expect(calls.attempt('daily', [], () => Promise.reject(new TypeError('bug')))).rejects.toThrow(
      'bug',
    );
    expect(calls.marks()).toEqual({});
  });
});
