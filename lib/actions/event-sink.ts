/**
 * The port for announcing what spendwatch did on an event bus: guardrail actions and the alert channel
 * (lib/notify/event-channel.ts) put their events through it. Imports nothing from AWS; the EventBridge
 * adapter is lib/aws/event-bus.ts.
 */

/** One event: the bus (a name or an ARN), what kind of event it is, and its body as plain JSON. */
export interface BusEvent {
  bus: string;
  detailType: string;
  detail: unknown;
}

export interface EventSink {
  /** The bus's id for the event; throws when the bus did not take it. */
  put(event: BusEvent): Promise<{ eventId: string }>;
}

/** Keeps what was put in memory (tests). */
export class MemoryEventSink implements EventSink {
  readonly events: BusEvent[] = [];

  async put(event: BusEvent): Promise<{ eventId: string }> {
    this.events.push(event);
    return { eventId: `memory-${this.events.length}` };
  }
}
