/**
 * Side calls of a reading: everything but the headline figure (breakdowns, usage, invoices, profiles).
 * One that fails costs only its part: the reading goes on with a stated fallback and is marked partial,
 * so the budgets that need only the headline still evaluate and alert.
 */
import { ProviderError } from '../http/index.ts';
import type { Logger } from '../log/index.ts';
import type { MissingPart, ReadPart } from '../spend/index.ts';

export class SideCalls {
  /** The parts that could not be read so far, in the order they failed. */
  readonly missing: MissingPart[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly account: { provider: string; id: string },
  ) {}

  /**
   * Runs `call`; when it fails with a provider error, records `part` as missing and returns `fallback`.
   * Anything else (a bug) is thrown: a partial reading is for what a provider did, not for our faults.
   */
  async attempt<T>(part: ReadPart, fallback: T, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      this.note({ part, endpoint: error.endpoint, reason: reasonOf(error) });
      return fallback;
    }
  }

  /** Records a part that stands on a fallback for a reason other than a failed call. */
  note(missing: MissingPart): void {
    this.missing.push(missing);
    this.logger.warn('partial reading: the headline figure was read without this part', {
      provider: this.account.provider,
      account: this.account.id,
      ...missing,
    });
  }

  /** `{ missing }` when something is missing, else nothing: spread into a PeriodSpend. */
  marks(): { missing?: MissingPart[] } {
    return this.missing.length > 0 ? { missing: [...this.missing] } : {};
  }
}

/** Why a call failed, for a person: "HTTP 500: ..." or what went wrong without a status. */
export function reasonOf(error: ProviderError): string {
  return error.status === undefined ? error.detail : `HTTP ${error.status}: ${error.detail}`;
}
