/**
 * What one Soracom detailed-billing CSV export adds up to. Plain JSON: every amount is an exact
 * decimal string ("1234.5", "-12", "0.0018") that `Money.of(text, currency)` reads back.
 */
export interface SoracomCsvSummary {
  currency: string;
  /** "2026-11": the billing month, from the `month` option or the first dated row; null when no row had one. */
  month: string | null;
  /** The tag and group columns of the header (everything after `amount`), in header order. */
  tagColumns: string[];
  /** Data records read, malformed ones included (the header and blank lines are not records). */
  rowCount: number;
  totals: {
    /** Sum of `amount` over every well-formed row: daily + monthlyCharges. */
    amount: string;
    /** Rows dated yyyyMMdd. */
    daily: string;
    /** Rows dated yyyyMM (monthly fees, free tiers, discounts for the month). */
    monthlyCharges: string;
  };
  /** One entry per device that has rows, in order of first appearance. */
  subscribers: SoracomCsvSubscriber[];
  /** Rows that name no device at all (account-level charges and discounts). */
  unattributed: { rowCount: number; total: string };
  /** One entry per `billItemName`, in order of first appearance. */
  billItems: SoracomCsvBillItem[];
  /** Rows dated yyyyMMdd, per day, in date order; days without rows are left out. */
  days: SoracomCsvDay[];
  /** Rows dated yyyyMM. */
  monthlyCharges: { rowCount: number; total: string };
  malformed: {
    count: number;
    /** The first `maxMalformedRows` of them. */
    rows: SoracomCsvMalformedRow[];
  };
}

/** Which column named the device: the imsi, or (when it is empty) the first non-empty other id column. */
export type SoracomSubscriberKind =
  | 'imsi'
  | 'vpgId'
  | 'loraGatewayId'
  | 'loraDeviceId'
  | 'sigfoxDeviceId'
  | 'deviceId'
  | 'gadgetId'
  | 'soraCamDeviceId';

export interface SoracomCsvSubscriber {
  id: string;
  kind: SoracomSubscriberKind;
  total: string;
  /** billItemName -> total amount. */
  items: Record<string, string>;
  /** Tag/group column -> value, as on the device's first row; empty values are left out. */
  tags: Record<string, string>;
  /** Only with the `deviceDays` option: rows dated yyyyMMdd, per day: "2026-11-20" -> amount; days that add up to zero are left out. */
  days?: Record<string, string>;
  /**
   * Only with the `itemDays` option: per day asked for, per bill item, the non-zero amounts:
   * "2026-11-20" -> billItemName -> amount.
   */
  itemDays?: Record<string, Record<string, string>>;
  /**
   * Only with `itemDays.carryFrom`: per bill item, its positive day amounts summed over days
   * carryFrom..itemDays.from-1; items with none are left out.
   */
  itemCarry?: Record<string, string>;
}

export interface SoracomCsvBillItem {
  name: string;
  total: string;
  /** Sum of `quantity` (rows with an empty quantity add nothing). */
  quantity: string;
}

interface SoracomCsvDay {
  /** "2026-11-03" */
  date: string;
  total: string;
}

export interface SoracomCsvMalformedRow {
  /** 1-based line of the file where the record starts (the header is line 1). */
  line: number;
  reason: string;
}
