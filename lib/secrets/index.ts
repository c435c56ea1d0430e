import * as z from 'zod';
import { SECRET_REF } from './secrets.ts';

export {
  envBackend,
  SECRET_REF,
  type SecretBackend,
  SecretError,
  SecretResolver,
} from './secrets.ts';

/** A credential field in config: a reference to where the secret lives, never the secret itself. */
export const secretRef = z
  .string()
  .regex(
    SECRET_REF,
    'expected a secret reference: env:NAME, ssm:/path or secretsmanager:name (never the secret itself)',
  );
