import type { Alert } from '../alerts/alert.ts';

/** Where delivered alerts go. A throw means "not delivered": the claim stays pending and is retried. */
export interface AlertPublisher {
  publish(alert: Alert): Promise<{ messageId: string }>;
}

/** Keeps alerts in memory (tests, `--dry-run` previews). */
export class MemoryPublisher implements AlertPublisher {
  readonly published: Alert[] = [];

  async publish(alert: Alert): Promise<{ messageId: string }> {
    this.published.push(alert);
    return { messageId: `memory-${this.published.length}` };
  }
}
