/**
 * The Lambda functions' settings: every variable any of them reads, each documented here once, read
 * once per cold start and checked like any other input. A missing or malformed variable fails the
 * cold start with its name, its value and the fix.
 */
import * as z from 'zod';
import { SECRET_REF } from '../secrets/secrets.ts';

const s3Uri = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
/** PutEvents' EventBusName: a bus name (partner buses have "/" in theirs) or the bus's ARN. */
const eventBus = /^(arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[A-Za-z0-9._/-]{1,256}$/;

/** An endpoint override (lib/aws/clients.ts): the client talks to it instead of AWS. */
const endpoint = (service: string) =>
  z
    .string()
    .trim()
    .optional()
    .describe(`Points the ${service} client elsewhere: a local emulator, radosgw...`);

/** AWS's own variables: Lambda sets them, and the SDK reads them itself but for an endpoint override. */
const awsVariable = z.string().optional();

export const RuntimeEnvironment = z.object({
  SPENDWATCH_CONFIG: z
    .string()
    .min(1)
    .default('dist/spendwatch.json')
    .describe(
      'The budget config as JSON (spendwatch validate --out): a path inside the bundle, or s3://bucket/key',
    ),
  SPENDWATCH_BUCKET: z
    .string()
    .min(3, 'set it to the bucket that keeps alert state (serverless.yml does)')
    .optional()
    .describe('Alert state, reports and billing-CSV exports: every function needs it but slackNotifier'),
  SPENDWATCH_STATE_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9._=-]+\/)*$/, 'expected a prefix ending in "/" (e.g. "spendwatch/") or empty')
    .default('spendwatch/'),
  SPENDWATCH_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:/, 'expected the alert topic ARN (arn:aws:sns:...)')
    .optional(),
  SPENDWATCH_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  SPENDWATCH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  SPENDWATCH_SECRET_CACHE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(300)
    .describe('How long a resolved secret is reused before the store is asked again (rotation)'),
  SPENDWATCH_REPORT_LINK_HOURS: z.coerce
    .number()
    .min(0.25)
    .max(12)
    .default(6)
    .describe(
      "Validity of the report link in alerts (a presigned URL; at most the Lambda credentials' life)",
    ),
  SPENDWATCH_STAGE: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'expected the deployment stage (letters, digits, "-")')
    .default('default')
    .describe('The Stage dimension of every metric; the alarms match it'),
  SPENDWATCH_METRICS: z
    .enum(['emf', 'off'])
    .default('off')
    .describe('emf: CloudWatch embedded metrics on stdout (serverless.yml sets it); off: none'),
  SPENDWATCH_FANOUT_THRESHOLD: z.coerce
    .number()
    .int()
    .min(1)
    .default(200)
    .describe(
      'Above this many watched accounts the scheduled check enqueues batches instead of reading them',
    ),
  SPENDWATCH_FANOUT_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(25),
  SPENDWATCH_WORK_QUEUE_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('The work queue the scheduled check fans out to (serverless.yml sets it)'),
  SPENDWATCH_EVENT_BUS: z
    .string()
    .trim()
    .regex(
      eventBus,
      'expected an EventBridge bus name or ARN (arn:aws:events:...:event-bus/NAME); unset it for SNS only',
    )
    .optional()
    .describe(
      'An EventBridge bus (name or ARN) that gets every delivered alert too, after SNS (the check and its workers)',
    ),
  SPENDWATCH_ACTIONS_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      "Where Approve and Undo links point: the actionLink function's URL (serverless.yml sets it); unset, manual actions are approved with the CLI",
    ),
  SPENDWATCH_ACTION_KEY_REF: z
    .string()
    .regex(SECRET_REF, 'expected a secret reference such as ssm:/spendwatch/prod/action-signing-key')
    .optional()
    .describe('Where the key that signs action links is kept (ssm:/..., secretsmanager:..., env:...)'),
  SLACK_WEBHOOK_URL_REF: z
    .string()
    .optional()
    .describe(
      'slackNotifier: where the incoming webhook URL is kept, ssm:/path or secretsmanager:name[#key] (the notifier checks it)',
    ),
  SLACK_DIGEST: z
    .string()
    .optional()
    .transform((value) => value === 'true')
    .describe('slackNotifier: "true" posts one message for all alerts of an invocation'),
  SPENDWATCH_S3_ENDPOINT: endpoint('S3'),
  SPENDWATCH_SNS_ENDPOINT: endpoint('SNS'),
  SPENDWATCH_SQS_ENDPOINT: endpoint('SQS'),
  SPENDWATCH_SSM_ENDPOINT: endpoint('SSM'),
  SPENDWATCH_SECRETS_MANAGER_ENDPOINT: endpoint('Secrets Manager'),
  SPENDWATCH_EVENTBRIDGE_ENDPOINT: endpoint('EventBridge'),
  AWS_REGION: awsVariable,
  AWS_DEFAULT_REGION: awsVariable,
  AWS_ACCESS_KEY_ID: awsVariable,
  AWS_SECRET_ACCESS_KEY: awsVariable,
  AWS_SESSION_TOKEN: awsVariable,
  AWS_PROFILE: awsVariable,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: awsVariable,
});

export type RuntimeEnvironment = z.output<typeof RuntimeEnvironment>;

/** The settings with the variables a function cannot start without present. */
export type EnvironmentWith<K extends keyof RuntimeEnvironment> = RuntimeEnvironment &
  Required<Pick<RuntimeEnvironment, K>>;

export class EnvironmentError extends Error {}

/** The settings of a function that keeps state in the bucket. */
export function readEnvironment(env: NodeJS.ProcessEnv): EnvironmentWith<'SPENDWATCH_BUCKET'>;
/** The settings, with the `required` ones present (each function names those it needs). */
export function readEnvironment<K extends keyof RuntimeEnvironment>(
  env: NodeJS.ProcessEnv,
  required: readonly K[],
): EnvironmentWith<K>;
export function readEnvironment(
  env: NodeJS.ProcessEnv,
  required: readonly (keyof RuntimeEnvironment)[] = ['SPENDWATCH_BUCKET'],
): RuntimeEnvironment {
  const parsed = RuntimeEnvironment.safeParse(env, { reportInput: true });
  const missing = required.filter((name) => env[name] === undefined);
  if (parsed.success && missing.length === 0) return parsed.data;
  const issues = parsed.success ? [] : parsed.error.issues;
  const problems = [
    ...missing.map((name) => `${name} (unset): this function needs it (serverless.yml sets it)`),
    ...issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = env[name] === undefined ? 'unset' : JSON.stringify(env[name]);
      return `${name} (${value}): ${issue.message}`;
    }),
  ];
  throw new EnvironmentError(`spendwatch environment: ${problems.join('; ')}`);
}

/** "s3://bucket/key" → its parts; undefined for a bundle path. */
export function parseS3Uri(location: string): { bucket: string; key: string } | undefined {
  const match = s3Uri.exec(location);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}
