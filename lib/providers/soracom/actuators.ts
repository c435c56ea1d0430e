/**
 * Guardrail actions on a Soracom SIM (soracom-api.en.yaml's Sim API): `speedClass` slows it to a
 * speed class and back, `standby` puts it in standby and back to the status it had. A target names
 * the SIM by IMSI (the billing CSV's) or by SIM ID (the API's summaries); an IMSI is resolved by GET
 * /subscribers/{imsi}. Writes are sent once (a timed-out POST may have happened); reads retry.
 */
import * as z from 'zod';
import type { ActionTarget, Actuator, TargetFacts, TargetState } from '../../actions/actuator.ts';
import { strictObject } from '../../config/strict.ts';
import type { Endpoint } from '../../http/index.ts';
import type { ConnectContext } from '../types.ts';
import type { SoracomAccount } from './account.ts';
import { SoracomApi } from './api.ts';
import { type SimFacts, SimSpeedClass, SimStatus, SubscriberSim } from './schemas.ts';

/** UpdateSpeedClassRequest's speedClass values, as soracom-api.en.yaml lists them. */
export const SPEED_CLASSES = [
  's1.minimum',
  's1.slow',
  's1.standard',
  's1.fast',
  's1.4xfast',
  's1.8xfast',
  'u1.standard',
  'u1.slow',
] as const;
const SPEED_CLASS_ERROR = `expected a speed class Soracom documents: ${SPEED_CLASSES.join(', ')}`;

const speedClassParams = strictObject({
  to: z
    .enum(SPEED_CLASSES, { error: SPEED_CLASS_ERROR })
    .describe('The speed class the SIM is slowed to, e.g. s1.minimum'),
});

/** The billing CSV names SIMs by IMSI, 15 digits; a SIM ID is longer (19 or 20 digits). */
const IMSI = /^\d{15}$/;

/** The status a SIM came from, and the write that puts it back there (none for standby itself). */
const BACK_TO: Record<string, 'activate' | 'deactivate' | 'suspend' | undefined> = {
  active: 'activate',
  inactive: 'deactivate',
  suspended: 'suspend',
  standby: undefined,
};

/** One step's calls for one account: a fresh session, since an action's steps may be days apart. */
class SimCalls {
  private readonly api: SoracomApi;

  constructor(account: SoracomAccount, context: ConnectContext) {
    this.api = new SoracomApi(account, context);
  }

  /** The SIM ID of a target's resource: the resource itself, or the SIM its IMSI belongs to. */
  async simId(resourceId: string): Promise<string> {
    if (!IMSI.test(resourceId)) return resourceId;
    const endpoint: Endpoint = {
      method: 'GET',
      path: `/subscribers/${encodeURIComponent(resourceId)}`,
      label: 'GET /subscribers/{imsi}',
    };
    return (await this.decoded(endpoint, SubscriberSim, `subscriber with IMSI ${resourceId}`)).simId;
  }

  /** The SIM as it is now (never a memoised read: it may have changed since). */
  read<S extends z.ZodType<SimFacts>>(simId: string, schema: S): Promise<z.output<S>> {
    const endpoint: Endpoint = {
      method: 'GET',
      path: `/sims/${encodeURIComponent(simId)}`,
      label: 'GET /sims/{sim_id}',
      noMemo: true,
    };
    return this.decoded(endpoint, schema, `SIM ${simId}`);
  }

  /** POST /sims/{sim_id}/{operation}, sent once; the SIM after it, from the 200 body. */
  write<S extends z.ZodType<SimFacts>>(
    simId: string,
    operation: string,
    schema: S,
    json?: unknown,
  ): Promise<z.output<S>> {
    const endpoint: Endpoint = {
      method: 'POST',
      path: `/sims/${encodeURIComponent(simId)}/${operation}`,
      label: `POST /sims/{sim_id}/${operation}`,
      json,
      sendOnce: true,
    };
    return this.decoded(endpoint, schema, `SIM ${simId}`);
  }

  private async decoded<S extends z.ZodType>(endpoint: Endpoint, schema: S, what: string) {
    const reply = await this.api.send(endpoint);
    if (reply.status === 404)
      throw this.api.http.error(
        endpoint,
        'not-found',
        `Soracom has no ${what} in this account; check the budget's resource and the account's coverage`,
        reply.status,
      );
    return this.api.http.okBody(endpoint, reply, schema) as z.output<S>;
  }
}

/** What one kind reads of a SIM, how it shows it, and how it acts and undoes. */
interface SimKind<S extends z.ZodType<SimFacts>> {
  schema: S;
  data(sim: z.output<S>): Record<string, unknown>;
  summary(sim: z.output<S>): string;
  describe(sim: string, params: Record<string, unknown>): string;
  apply(calls: SimCalls, simId: string, params: Record<string, unknown>): Promise<z.output<S>>;
  restore(calls: SimCalls, simId: string, before: TargetState): Promise<z.output<S>>;
}

function simActuator<S extends z.ZodType<SimFacts>>(kind: SimKind<S>) {
  return (account: SoracomAccount, context: ConnectContext): Actuator => {
    const state = (sim: z.output<S>): TargetState => ({ summary: kind.summary(sim), data: kind.data(sim) });
    const calls = () => new SimCalls(account, context);
    return {
      describe: (target, params) => kind.describe(simName(target), params),
      async inspect(target): Promise<TargetFacts> {
        const step = calls();
        const sim = await step.read(await step.simId(target.resourceId), kind.schema);
        return { state: state(sim), groups: sim.groupId ? [sim.groupId] : [], tags: sim.tags };
      },
      apply: async (_target, params, before) =>
        state(await kind.apply(calls(), recorded(before, 'simId'), params)),
      restore: async (_target, before) =>
        state(await kind.restore(calls(), recorded(before, 'simId'), before)),
    };
  };
}

const speedClass = simActuator({
  schema: SimSpeedClass,
  data: ({ simId, speedClass }) => ({ simId, speedClass }),
  summary: (sim) => `speed class ${sim.speedClass}`,
  describe: (sim, params) => `slow ${sim} to ${speedClassParams.parse(params).to}`,
  apply: (calls, simId, params) =>
    calls.write(simId, 'update_speed_class', SimSpeedClass, {
      speedClass: speedClassParams.parse(params).to,
    }),
  restore: (calls, simId, before) =>
    calls.write(simId, 'update_speed_class', SimSpeedClass, { speedClass: recorded(before, 'speedClass') }),
});

const standby = simActuator({
  schema: SimStatus,
  data: ({ simId, status }) => ({ simId, status }),
  summary: (sim) => `status ${sim.status}`,
  describe: (sim) => `put ${sim} in standby`,
  apply: (calls, simId) => calls.write(simId, 'set_to_standby', SimStatus),
  restore(calls, simId, before) {
    const status = recorded(before, 'status');
    if (!Object.hasOwn(BACK_TO, status))
      throw new Error(
        `SIM ${simId} cannot be put back to status "${status}": Soracom has no API that sets it. Leave the SIM in standby, or set the status it should have (active, inactive, suspended) in the Soracom console`,
      );
    const operation = BACK_TO[status];
    return operation ? calls.write(simId, operation, SimStatus) : calls.read(simId, SimStatus);
  },
});

/** "SIM 440101234567890 (sensor-17)", as the alert names it. */
function simName(target: ActionTarget): string {
  return `SIM ${target.resourceId}${target.resourceName ? ` (${target.resourceName})` : ''}`;
}

/** A field inspect recorded; a state without it was not read by this kind. */
function recorded(before: TargetState, field: string): string {
  const value = before.data[field];
  if (typeof value === 'string' && value !== '') return value;
  throw new Error(
    `the recorded state (${before.summary}) has no ${field}: it was not read by this Soracom action; inspect the SIM again`,
  );
}

export const soracomActuators = {
  speedClass: { params: speedClassParams, acts: 'SIMs of per-SIM budgets', connect: speedClass },
  standby: { params: strictObject({}), acts: 'SIMs of per-SIM budgets', connect: standby },
};
