import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redactor } from '../../lib/log/index.ts';
import { awsSecretBackends } from '../../lib/secrets/aws.ts';
import { SecretError, SecretResolver } from '../../lib/secrets/index.ts';
import { AwsSecretsSimulator, localAws } from '../support/aws-secrets.ts';

describe('SSM and Secrets Manager secret backends (real SDK clients, loopback AWS JSON API)', () => {
  let aws: AwsSecretsSimulator;
  let clients: { ssm: SSMClient; secretsManager: SecretsManagerClient };

  beforeAll(async () => {
    aws = new AwsSecretsSimulator();
    await aws.start();
    clients = {
      ssm: new SSMClient(localAws(aws.url)),
      secretsManager: new SecretsManagerClient(localAws(aws.url)),
    };
  });
  afterAll(async () => {
    clients.ssm.destroy();
    clients.secretsManager.destroy();
    await aws.stop();
  });
  beforeEach(() => {
    aws.requests.length = 0;
    aws.parameters.clear();
    aws.secrets.clear();
  });

  const resolver = () => new SecretResolver(awsSecretBackends(clients));
  /** The error resolving `ref` fails with (an error saying it did not fail, if it resolved). */
  const failure = (ref: string, secrets = resolver()): Promise<Error> =>
    secrets.resolve(ref).then(
      () => new Error(`expected ${ref} to fail`),
      (e: unknown) => e as Error,
    );

  it('reads an SSM SecureString decrypted, once per resolver, and redacts it from then on', async () => {
    aws.parameters.set('/spendwatch/slack', 'https://hooks.slack.com/services/T1/B1/ssm-secret-1');
    const secrets = resolver();
    expect(await secrets.resolve('ssm:/spendwatch/slack')).toBe(
      'https://hooks.slack.com/services/T1/B1/ssm-secret-1',
    );
    await secrets.resolve('ssm:/spendwatch/slack');
    const calls = aws.actions('AmazonSSM.GetParameter');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toEqual({ Name: '/spendwatch/slack', WithDecryption: true });
    expect(redactor.redact('posting to https://hooks.slack.com/services/T1/B1/ssm-secret-1')).toBe(
      'posting to [REDACTED]',
    );
  });

  it('reads many SSM parameters ahead ten to a request; one that is missing fails on its own, named', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `/spendwatch/prod/account-${i}`);
    for (const name of names) aws.parameters.set(name, `value-of-${name}`);
    const secrets = resolver();
    await secrets.prefetch(
      [...names, ...names].map((name) => `ssm:${name}`).concat('ssm:/spendwatch/prod/gone'),
    );
    expect(
      aws.actions('AmazonSSM.GetParameters').map((r) => (r.body as { Names: string[] }).Names.length),
    ).toEqual(expect.arrayContaining([10, 10, 6]));
    expect(await secrets.resolve('ssm:/spendwatch/prod/account-24')).toBe(
      'value-of-/spendwatch/prod/account-24',
    );
    expect(aws.actions('AmazonSSM.GetParameter')).toHaveLength(0);
    expect((await failure('ssm:/spendwatch/prod/gone', secrets)).message).toMatch(
      /SSM parameter \/spendwatch\/prod\/gone does not exist/,
    );
    expect(aws.actions('AmazonSSM.GetParameter')).toHaveLength(1);
    expect(redactor.redact('value-of-/spendwatch/prod/account-3')).not.toContain('value-of');
  });

  it('says how to create a missing SSM parameter', async () => {
    const error = await failure('ssm:/spendwatch/missing');
    expect(error).toBeInstanceOf(SecretError);
    expect(error.message).toMatch(
      /ssm:\/spendwatch\/missing: SSM parameter \/spendwatch\/missing does not exist.*put-parameter/,
    );
  });

  it('reads a plain Secrets Manager string', async () => {
    aws.secrets.set('spendwatch/slack-url', 'https://hooks.slack.com/services/T2/B2/sm-secret-2');
    expect(await resolver().resolve('secretsmanager:spendwatch/slack-url')).toBe(
      'https://hooks.slack.com/services/T2/B2/sm-secret-2',
    );
    expect(aws.actions('secretsmanager.GetSecretValue')[0]!.body).toEqual({
      SecretId: 'spendwatch/slack-url',
    });
  });

  it('picks one key of a JSON secret with name#key', async () => {
    aws.secrets.set(
      'spendwatch/slack',
      JSON.stringify({ webhookUrl: 'https://hooks.slack.com/x/sm-secret-3', n: 1 }),
    );
    expect(await resolver().resolve('secretsmanager:spendwatch/slack#webhookUrl')).toBe(
      'https://hooks.slack.com/x/sm-secret-3',
    );
  });

  it('names the keys, never the values, when the JSON key is missing or not a string', async () => {
    aws.secrets.set('spendwatch/slack', JSON.stringify({ url: 'sm-secret-4-value', count: 3 }));
    for (const key of ['webhookUrl', 'count']) {
      const error = await failure(`secretsmanager:spendwatch/slack#${key}`);
      expect(error.message).toContain(`has no non-empty string key "${key}" (its keys: url, count)`);
      expect(error.message).not.toContain('sm-secret-4-value');
    }
  });

  it('explains a #key on a secret that is not a JSON object, without echoing it', async () => {
    aws.secrets.set('spendwatch/plain', 'not-json-sm-secret-5');
    aws.secrets.set('spendwatch/array', '["sm-secret-6"]');
    const plain = await failure('secretsmanager:spendwatch/plain#url');
    expect(plain.message).toContain('is not JSON, so "#url" cannot pick a key');
    const array = await failure('secretsmanager:spendwatch/array#url');
    expect(array.message).toContain('is JSON but not an object');
    expect(`${plain.message}${array.message}`).not.toMatch(/sm-secret-[56]/);
  });

  it('reports a missing secret by name, and retries it on the next resolve', async () => {
    const secrets = resolver();
    const error = await failure('secretsmanager:spendwatch/absent', secrets);
    expect(error.message).toContain('Secrets Manager secret spendwatch/absent does not exist');
    aws.secrets.set('spendwatch/absent', 'now-here-secret-7');
    expect(await secrets.resolve('secretsmanager:spendwatch/absent')).toBe('now-here-secret-7');
  });
});
