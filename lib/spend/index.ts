export type { DailyCost, SpendLine, SpendReading, SpendSnapshot } from './spend.ts';
