export type { DailyCost, PeriodSpend, SpendLine, SpendReading } from './spend.ts';
