export {
  CUSTOMER_RESOURCE,
  type DailyCost,
  type MissingPart,
  type PeriodSpend,
  type ReadPart,
  type SpendLine,
  type SpendReading,
} from './spend.ts';
