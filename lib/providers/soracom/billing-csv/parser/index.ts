export {
  ID_COLUMNS as SORACOM_CSV_DEVICE_COLUMNS,
  SoracomCsvAggregator,
  SoracomCsvFormatError,
  type SoracomCsvOptions,
  summariseSoracomCsv,
} from './aggregator.ts';
export type {
  SoracomCsvBillItem,
  SoracomCsvMalformedRow,
  SoracomCsvSubscriber,
  SoracomCsvSummary,
} from './summary.ts';
