/**
 * Items by key, each item under every key `keysOf` gives (once per distinct key), in input order.
 * Map.groupBy would do for one key per item, but it needs Node 21.
 */
export function groupBy<T, K>(items: Iterable<T>, keysOf: (item: T) => Iterable<K>): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items)
    for (const key of new Set(keysOf(item))) {
      const group = groups.get(key);
      if (group) group.push(item);
      else groups.set(key, [item]);
    }
  return groups;
}
