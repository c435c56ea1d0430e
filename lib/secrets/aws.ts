/**
 * Secret backends for Lambda: SSM Parameter Store (ssm:/path, SecureString decrypted) and Secrets
 * Manager (secretsmanager:name, or name#key for one key of a JSON secret). SecretResolver caches
 * what they return for the container's life and registers each value with the redactor.
 * Errors name the parameter or secret, never its value. The clients are given (lib/aws/clients.ts
 * makes them from the environment).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { forEachLimit } from '../concurrency/map-limit.ts';
import type { SecretBackend } from './secrets.ts';

export function ssmBackend(client: SSMClient): SecretBackend {
  return {
    scheme: 'ssm',
    async fetch(name) {
      const reply = await client
        .send(new GetParameterCommand({ Name: name, WithDecryption: true }))
        .catch((error: Error) => {
          if (error.name === 'ParameterNotFound') {
            throw new Error(
              `SSM parameter ${name} does not exist in this account/region; create it with "aws ssm put-parameter --type SecureString --name ${name}"`,
            );
          }
          throw new Error(`SSM GetParameter failed: ${error.name}: ${error.message}`);
        });
      const value = reply.Parameter?.Value;
      if (!value) throw new Error(`SSM parameter ${name} has no value`);
      return value;
    },
    async fetchMany(names) {
      const found = new Map<string, string>();
      // GetParameters takes at most 10 names; a few requests at once stay well within SSM's throughput.
      const batches = Array.from({ length: Math.ceil(names.length / 10) }, (_, i) =>
        names.slice(i * 10, i * 10 + 10),
      );
      await forEachLimit(batches, 4, async (batch) => {
        const reply = await client.send(new GetParametersCommand({ Names: batch, WithDecryption: true }));
        for (const parameter of reply.Parameters ?? [])
          if (parameter.Name && parameter.Value) found.set(parameter.Name, parameter.Value);
      });
      return found;
    },
  };
}

function secretsManagerBackend(client: SecretsManagerClient): SecretBackend {
  return {
    scheme: 'secretsmanager',
    async fetch(reference) {
      const hash = reference.indexOf('#');
      const secretId = hash < 0 ? reference : reference.slice(0, hash);
      const key = hash < 0 ? undefined : reference.slice(hash + 1);
      const reply = await client
        .send(new GetSecretValueCommand({ SecretId: secretId }))
        .catch((error: Error) => {
          if (error.name === 'ResourceNotFoundException') {
            throw new Error(`Secrets Manager secret ${secretId} does not exist in this account/region`);
          }
          throw new Error(`Secrets Manager GetSecretValue failed: ${error.name}: ${error.message}`);
        });
      const text = reply.SecretString;
      if (text === undefined) {
        throw new Error(`secret ${secretId} is stored as binary; store it as a string (SecretString)`);
      }
      return key === undefined ? text : pickKey(text, secretId, key);
    },
  };
}

/** One string-valued key of a JSON secret ({"webhookUrl": "..."}), without echoing the secret. */
function pickKey(text: string, secretId: string, key: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(
      `secret ${secretId} is not JSON, so "#${key}" cannot pick a key; drop "#${key}" or store a JSON object`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`secret ${secretId} is JSON but not an object, so "#${key}" cannot pick a key`);
  }
  const value = (parsed as Record<string, unknown>)[key];
  if (typeof value !== 'string' || value === '') {
    const keys = Object.keys(parsed).join(', ');
    throw new Error(`secret ${secretId} has no non-empty string key "${key}" (its keys: ${keys || 'none'})`);
  }
  return value;
}

/** Both AWS backends: ssm: and secretsmanager: references. */
export function awsSecretBackends(clients: {
  ssm: SSMClient;
  secretsManager: SecretsManagerClient;
}): SecretBackend[] {
  return [ssmBackend(clients.ssm), secretsManagerBackend(clients.secretsManager)];
}
