export {
  ID_COLUMNS as SORACOM_CSV_DEVICE_COLUMNS,
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
