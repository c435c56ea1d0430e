export type { DailyCost, SpendLine, SpendReading, SpendSnapshot } from './snapshot.ts';
