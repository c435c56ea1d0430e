/**
 * Alerts on an event bus too (SPENDWATCH_EVENT_BUS): each alert is published as before (SNS), then put
 * on the bus as the alert JSON (lib/alerts/alert.ts), with a detail type per kind of event so that a
 * rule can take, say, only threshold crossings.
 */
import type { EventSink } from '../actions/event-sink.ts';
import type { Alert } from '../alerts/alert.ts';
import type { AlertPublisher } from './publisher.ts';

/** The detail type of each alert event on the bus: what rules match on, with source "spendwatch". */
const ALERT_DETAIL_TYPES: Readonly<Record<Alert['event'], string>> = {
  crossed: 'Budget threshold crossed',
  'back-under': 'Budget forecast back under threshold',
  gap: 'Monitoring gap',
  recovered: 'Monitoring recovered',
  broken: 'Budget broken',
  action: 'Spend guardrail action',
};

export class EventBusAlertPublisher implements AlertPublisher {
  constructor(
    private readonly inner: AlertPublisher,
    private readonly events: EventSink,
    private readonly bus: string,
  ) {}

  /** The inner publisher's messageId, once both took the alert. */
  async publish(alert: Alert): Promise<{ messageId: string }> {
    const published = await this.inner.publish(alert);
    // A failed put throws: the alert stays pending and the next run delivers it again, to SNS as well.
    // That SNS duplicate has the same dedupKey, which subscribers drop: accepted so the bus misses none.
    await this.events.put({ bus: this.bus, detailType: ALERT_DETAIL_TYPES[alert.event], detail: alert });
    return published;
  }
}
