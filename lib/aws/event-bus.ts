/**
 * Puts events on an EventBridge bus (the EventSink port, lib/actions/event-sink.ts), one PutEvents
 * entry each, with source "spendwatch" for rules to match. PutEvents answers HTTP 200 when it refuses
 * an entry, with FailedEntryCount and the entry's ErrorCode and ErrorMessage: that is a failure too,
 * thrown like a refused request.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { BusEvent, EventSink } from '../actions/event-sink.ts';

/** The source of every event spendwatch puts. */
export const EVENT_SOURCE = 'spendwatch';

/** PutEvents' limit for one entry: its source, detail type and detail in UTF-8 bytes. */
const MAX_ENTRY_BYTES = 256 * 1024;

export class EventPutError extends Error {
  constructor(
    readonly bus: string,
    detailType: string,
    reason: string,
    cause?: unknown,
  ) {
    super(`EventBridge put of a "${detailType}" event on bus ${bus} failed (${reason})`, { cause });
    this.name = 'EventPutError';
  }
}

export class EventBridgeSink implements EventSink {
  constructor(private readonly client: EventBridgeClient) {}

  async put({ bus, detailType, detail }: BusEvent): Promise<{ eventId: string }> {
    const body = JSON.stringify(detail);
    const bytes = Buffer.byteLength(EVENT_SOURCE + detailType + body);
    if (bytes > MAX_ENTRY_BYTES) {
      throw new EventPutError(
        bus,
        detailType,
        `the detail makes the entry ${bytes} bytes, over PutEvents' limit of 256 KB (${MAX_ENTRY_BYTES} bytes)`,
      );
    }
    const reply = await this.client
      .send(
        new PutEventsCommand({
          Entries: [{ EventBusName: bus, Source: EVENT_SOURCE, DetailType: detailType, Detail: body }],
        }),
      )
      .catch((error: unknown) => {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new EventPutError(bus, detailType, reason, error);
      });
    const [entry] = reply.Entries ?? [];
    if (reply.FailedEntryCount || entry?.ErrorCode || !entry?.EventId) {
      const code = entry?.ErrorCode ?? 'no error code';
      throw new EventPutError(bus, detailType, `${code}: ${entry?.ErrorMessage ?? 'the entry was refused'}`);
    }
    return { eventId: entry.EventId };
  }
}
