/**
 * A separate process acting on a store, for the tests that need more than one process. It says "ready"
 * once loaded, then reads one JSON command per stdin line and answers each with one JSON line.
 *   {"calls": [["createIfAbsent", key, body], ["replaceIfVersion", key, body, version], ...]}
 *     → the results in order (the calls run one after another)
 *   {"claim": {alert, now, leaseMs}} → {"claim": <Claim>, "delivered": <dedupKey>} when claimed; then it
 *     "publishes" and waits without marking the alert sent: the test kills it there, as a crash would.
 * Usage: state-child.ts '{"kind":"fs","dir":"..."}' | '{"kind":"s3","bucket":"...","prefix":"..."}'
 */
import { createInterface } from 'node:readline';
import { FsObjectStore } from '../../lib/state/fs-store.ts';
import { AlertLedger } from '../../lib/state/ledger.ts';
import type { ObjectStore } from '../../lib/state/store.ts';

export type StoreSpec = { kind: 'fs'; dir: string } | { kind: 's3'; bucket: string; prefix: string };
type Call = ['createIfAbsent', string, string] | ['replaceIfVersion', string, string, string];

const spec = JSON.parse(process.argv[2]!) as StoreSpec;
// The AWS SDK only for an S3 child: a filesystem child starts in half the time without it.
const store: ObjectStore =
  spec.kind === 'fs'
    ? new FsObjectStore(spec.dir)
    : await (async () => {
        const [{ s3ClientFromEnv }, { S3ObjectStore }] = await Promise.all([
          import('../../lib/aws/clients.ts'),
          import('../../lib/state/s3-store.ts'),
        ]);
        return new S3ObjectStore({ client: s3ClientFromEnv(), bucket: spec.bucket, prefix: spec.prefix });
      })();

console.log(JSON.stringify('ready'));
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  if (command.calls) {
    const results: boolean[] = [];
    for (const [method, key, body, version] of command.calls as Call[]) {
      results.push(
        method === 'createIfAbsent'
          ? await store.createIfAbsent(key, body)
          : await store.replaceIfVersion(key, body, version!),
      );
    }
    console.log(JSON.stringify(results));
  } else {
    const { alert, now, leaseMs } = command.claim;
    const claim = await new AlertLedger(store).claim(alert, new Date(now), leaseMs);
    console.log(JSON.stringify({ claim, delivered: claim.outcome === 'claimed' ? alert.dedupKey : null }));
  }
}
