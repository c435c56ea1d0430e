export type { DailyCost, PeriodSpend as SpendSnapshot, SpendLine, SpendReading } from './spend.ts';
