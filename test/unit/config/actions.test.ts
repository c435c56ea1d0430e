import { describe, expect, it } from 'vitest';
import { DEFAULT_GUARDRAILS } from '../../../lib/actions/spec.ts';
import { parseConfig } from '../../../lib/config/load.ts';
import { configErrorOf } from '../../support/config-error.ts';

const ACCOUNTS = `accounts:
  - id: sora
    provider: soracom
    credentials:
      authKeyId: env:SORACOM_AUTH_KEY_ID
      authKey: env:SORACOM_AUTH_KEY
  - id: cdn
    provider: fastly
    credentials: { apiToken: env:FASTLY_API_TOKEN }
`;

/** One budget (line 13 of the file) whose 100% threshold has the actions given (from line 20, or 18 with `budget` on one line). */
const withActions = (actions: string, budget = '    account: sora\n    each: resource\n    window: day\n') =>
  `${ACCOUNTS}budgets:
  - name: sim-daily
${budget}    amount: 2000
    currency: JPY
    thresholds:
      - at: 100%
        actions:
${actions}`;

const problems = (yaml: string): string[] =>
  configErrorOf(() => parseConfig(yaml, 'spendwatch.yaml')).message.split('\n');

describe('guardrail actions in the config', () => {
  it('are parsed onto the threshold: kind, its own fields as params, approval and allow-list', () => {
    const config = parseConfig(
      withActions(`          - do: soracom.speedClass
            to: s1.minimum
          - do: soracom.standby
            approval: auto
            allow: { groups: [fleet-a], tags: { env: "prod-*" } }
          - do: event
            bus: arn:aws:events:us-east-1:123456789012:event-bus/ops
`),
    );
    expect(config.budgets[0]!.thresholds[0]!.actions).toEqual([
      { kind: 'soracom.speedClass', params: { to: 's1.minimum' }, approval: 'manual' },
      {
        kind: 'soracom.standby',
        params: {},
        approval: 'auto',
        allow: { groups: ['fleet-a'], tags: { env: 'prod-*' } },
      },
      {
        kind: 'event',
        params: { bus: 'arn:aws:events:us-east-1:123456789012:event-bus/ops' },
        approval: 'manual',
      },
    ]);
  });

  it('leave a threshold without actions without an actions field', () => {
    const config = parseConfig(withActions('          []\n'));
    expect(config.budgets[0]!.thresholds[0]).not.toHaveProperty('actions');
  });

  it('default to guardrails that carry nothing out (mode propose)', () => {
    expect(parseConfig(withActions('          []\n')).guardrails).toEqual(DEFAULT_GUARDRAILS);
    expect(DEFAULT_GUARDRAILS.mode).toBe('propose');
    const set = parseConfig(`${withActions('          []\n')}guardrails: { mode: act, maxPerRun: 1 }\n`);
    expect(set.guardrails).toEqual({ ...DEFAULT_GUARDRAILS, mode: 'act', maxPerRun: 1 });
  });

  it('refuse an unknown kind, listing the known ones', () => {
    expect(problems(withActions('          - do: soracom.throttle\n'))).toEqual([
      'invalid config: spendwatch.yaml:20:17: budgets[0].thresholds[0].actions[0].do = "soracom.throttle": no action kind "soracom.throttle"; known: soracom.speedClass, soracom.standby, killbill.block, event',
    ]);
    expect(problems(withActions('          - do: "Soracom speed"\n')).join('\n')).toContain(
      'budgets[0].thresholds[0].actions[0].do = "Soracom speed": expected an action kind such as soracom.speedClass',
    );
  });

  it('refuse a provider action on a budget that is not per resource', () => {
    const lines = problems(
      withActions('          - do: soracom.speedClass\n            to: s1.minimum\n', '    account: sora\n'),
    );
    expect(lines).toEqual([
      'invalid config: spendwatch.yaml:18:17: budgets[0].thresholds[0].actions[0].do = "soracom.speedClass": soracom.speedClass acts on SIMs of per-SIM budgets: it needs a budget with each: resource, so that the resource that crossed is known',
    ]);
  });

  it("refuse a provider action on a budget of another provider's account", () => {
    const lines = problems(
      withActions(
        '          - do: soracom.standby\n',
        '    account: cdn\n    each: resource\n    window: day\n',
      ),
    );
    expect(lines).toContain(
      'invalid config: spendwatch.yaml:20:17: budgets[0].thresholds[0].actions[0].do = "soracom.standby": soracom.standby acts on soracom accounts, and this budget watches "cdn" (fastly); put the action on a budget of soracom accounts only',
    );
  });

  it('refuse a field the kind does not take, and a value it does not know', () => {
    const typo = problems(withActions('          - do: soracom.speedClass\n            too: s1.minimum\n'));
    expect(typo).toContain(
      '  spendwatch.yaml:21:18: budgets[0].thresholds[0].actions[0].too = "s1.minimum": unknown field "too"; did you mean "to"?',
    );
    // The missing `to` is reported too, at the action that lacks it.
    expect(typo).toContain(
      '  spendwatch.yaml:20:13: budgets[0].thresholds[0].actions[0]: required field "to" is missing for soracom.speedClass',
    );
    const value = problems(withActions('          - do: soracom.speedClass\n            to: s1.turbo\n'));
    expect(value.join('\n')).toMatch(
      /spendwatch\.yaml:21:17: budgets\[0\]\.thresholds\[0\]\.actions\[0\]\.to = "s1\.turbo": expected a speed class Soracom documents: s1\.minimum, .*s1\.fast/,
    );
  });

  it('refuse an event action without a bus, or with an allow-list', () => {
    // A missing field is pointed at the action that lacks it, as other missing fields are.
    expect(problems(withActions('          - do: event\n')).join('\n')).toContain(
      'invalid config: spendwatch.yaml:20:13: budgets[0].thresholds[0].actions[0]: required field "bus" is missing for event',
    );
    expect(
      problems(
        withActions('          - do: event\n            bus: ops\n            allow: { groups: [a] }\n'),
      ).join('\n'),
    ).toContain(
      'invalid config: spendwatch.yaml:22:20: budgets[0].thresholds[0].actions[0].allow: an event action has no target to allow-list; remove allow',
    );
  });
});
