export type { DailyCost, MissingPart, PeriodSpend, ReadPart, SpendLine, SpendReading } from './spend.ts';
