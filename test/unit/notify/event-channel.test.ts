import { describe, expect, it } from 'vitest';
import { type BusEvent, type EventSink, MemoryEventSink } from '../../../lib/actions/event-sink.ts';
import { EventBusAlertPublisher } from '../../../lib/notify/event-channel.ts';
import { type AlertPublisher, MemoryPublisher } from '../../../lib/notify/publisher.ts';
import { SnsAlertPublisher } from '../../../lib/notify/sns.ts';
import { runtimeDependencies } from '../../../lib/runtime/check-runtime.ts';
import { everyKind, jpyCritical } from '../../support/alert-fixtures.ts';

const BUS = 'spendwatch-alerts';

describe('the event bus alert channel', () => {
  it('publishes to the inner publisher first, then puts the alert JSON on the bus, and returns the inner id', async () => {
    const sns = new MemoryPublisher();
    const publishedBeforePut: number[] = [];
    const events = new MemoryEventSink();
    const watching: EventSink = {
      put: (event: BusEvent) => {
        publishedBeforePut.push(sns.published.length);
        return events.put(event);
      },
    };
    const channel = new EventBusAlertPublisher(sns, watching, BUS);

    expect(await channel.publish(jpyCritical)).toEqual({ messageId: 'memory-1' });
    expect(publishedBeforePut).toEqual([1]);
    expect(sns.published).toEqual([jpyCritical]);
    expect(events.events).toEqual([
      { bus: BUS, detailType: 'Budget threshold crossed', detail: jpyCritical },
    ]);
    // The detail is the alert as JSON subscribers know it, nothing added.
    expect(JSON.parse(JSON.stringify(events.events[0]!.detail))).toEqual(jpyCritical);
  });

  it('names each kind of event in the detail type', async () => {
    const events = new MemoryEventSink();
    const channel = new EventBusAlertPublisher(new MemoryPublisher(), events, BUS);
    for (const key of ['crossed-forecast', 'back-under', 'gap', 'recovered', 'broken']) {
      await channel.publish(everyKind[key]!);
    }
    expect(events.events.map((e) => e.detailType)).toEqual([
      'Budget threshold crossed',
      'Budget forecast back under threshold',
      'Monitoring gap',
      'Monitoring recovered',
      'Budget broken',
    ]);
  });

  it('throws when the bus refuses, after the inner publish, so the alert stays pending', async () => {
    const sns = new MemoryPublisher();
    const refusing: EventSink = {
      put: async () => {
        throw new Error('bus refused');
      },
    };
    await expect(new EventBusAlertPublisher(sns, refusing, BUS).publish(jpyCritical)).rejects.toThrow(
      'bus refused',
    );
    expect(sns.published).toEqual([jpyCritical]);
  });

  it('puts nothing on the bus when the inner publish fails', async () => {
    const failing: AlertPublisher = {
      publish: async () => {
        throw new Error('SNS refused');
      },
    };
    const events = new MemoryEventSink();
    await expect(new EventBusAlertPublisher(failing, events, BUS).publish(jpyCritical)).rejects.toThrow(
      'SNS refused',
    );
    expect(events.events).toEqual([]);
  });

  it('is the check runtime publisher when SPENDWATCH_EVENT_BUS is set, and SNS alone when not', () => {
    const env = {
      SPENDWATCH_BUCKET: 'spendwatch-state',
      SPENDWATCH_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:spendwatch-alerts',
      AWS_REGION: 'us-east-1',
    };
    expect(runtimeDependencies(env, 'check').publisher).toBeInstanceOf(SnsAlertPublisher);
    expect(runtimeDependencies({ ...env, SPENDWATCH_EVENT_BUS: BUS }, 'check').publisher).toBeInstanceOf(
      EventBusAlertPublisher,
    );
    expect(() => runtimeDependencies({ ...env, SPENDWATCH_EVENT_BUS: 'no spaces' }, 'check')).toThrow(
      /SPENDWATCH_EVENT_BUS \("no spaces"\): expected an EventBridge bus name or ARN/,
    );
  });
});
