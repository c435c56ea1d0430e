/**
 * SSM Parameter Store and Secrets Manager on 127.0.0.1, speaking their AWS JSON 1.1 protocol
 * (POST / with X-Amz-Target) just far enough for GetParameter(s) and GetSecretValue, so the real SDK
 * clients and lib/secrets/aws.ts run unchanged against it.
 */
import { type SimReply, type SimRequest, Simulator } from '../../dev/simulators/kit.ts';

const amzJson = (status: number, body: unknown): SimReply => ({
  status,
  body,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
});

export class AwsSecretsSimulator extends Simulator {
  /** SSM parameters by name (all SecureString). */
  readonly parameters = new Map<string, string>();
  /** Secrets Manager secrets by name (SecretString). */
  readonly secrets = new Map<string, string>();

  constructor() {
    super('aws-secrets', (request) => this.answer(request));
  }

  /** Calls of one API action, e.g. "AmazonSSM.GetParameter". */
  actions(target: string): SimRequest[] {
    return this.requests.filter((request) => request.headers['x-amz-target'] === target);
  }

  private answer(request: SimRequest): SimReply {
    const body = request.body as Record<string, unknown>;
    switch (request.headers['x-amz-target']) {
      case 'AmazonSSM.GetParameter': {
        const name = String(body.Name);
        const value = this.parameters.get(name);
        if (value === undefined) return amzJson(400, { __type: 'ParameterNotFound', message: '' });
        return amzJson(200, { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } });
      }
      case 'AmazonSSM.GetParameters': {
        const names = body.Names as string[];
        // As SSM: at most 10 names; the unknown ones are listed, not an error.
        if (names.length > 10)
          return amzJson(400, { __type: 'ValidationException', message: 'Names: at most 10' });
        return amzJson(200, {
          Parameters: names
            .filter((name) => this.parameters.has(name))
            .map((name) => ({
              Name: name,
              Type: 'SecureString',
              Value: this.parameters.get(name),
              Version: 1,
            })),
          InvalidParameters: names.filter((name) => !this.parameters.has(name)),
        });
      }
      case 'secretsmanager.GetSecretValue': {
        const name = String(body.SecretId);
        const value = this.secrets.get(name);
        if (value === undefined) {
          return amzJson(400, {
            __type: 'ResourceNotFoundException',
            Message: "Secrets Manager can't find the specified secret.",
          });
        }
        return amzJson(200, {
          ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}`,
          Name: name,
          SecretString: value,
        });
      }
      default:
        return amzJson(400, { __type: 'UnknownOperationException', message: 'not simulated' });
    }
  }
}

/** Region, endpoint and placeholder credentials for SDK clients pointed at a simulator. */
export const localAws = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
