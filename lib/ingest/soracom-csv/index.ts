export {
  SoracomCsvAggregator,
  SoracomCsvFormatError,
  type SoracomCsvOptions,
  summariseSoracomCsv,
} from './aggregator.ts';
export type {
  SoracomCsvBillItem,
  SoracomCsvDay,
  SoracomCsvMalformedRow,
  SoracomCsvSubscriber,
  SoracomCsvSummary,
  SoracomSubscriberKind,
} from './summary.ts';
