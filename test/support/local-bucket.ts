import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3ClientFromEnv } from '../../lib/aws/clients.ts';
import { configAsJson } from '../../lib/config/load.ts';

/** Placeholder credentials a local emulator accepts, named as Lambda's environment names them. */
export const LOCAL_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_REGION: 'us-east-1',
};

/** A new bucket on a local S3 (fauxqs), and the Lambda environment that points at it with local credentials. */
export async function localBucket(
  endpoint: string,
  bucket: string,
): Promise<{ env: Record<string, string>; s3: S3Client }> {
  const env = {
    ...LOCAL_CREDENTIALS,
    SPENDWATCH_S3_ENDPOINT: endpoint,
    SPENDWATCH_BUCKET: bucket,
  };
  const s3 = s3ClientFromEnv(env);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { env, s3 };
}

/**
 * Puts the config where the functions read it: the JSON that `spendwatch validate` writes from `yaml`,
 * at `key`. Returns its location as SPENDWATCH_CONFIG names it.
 */
export async function putConfig(s3: S3Client, bucket: string, key: string, yaml: string): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: configAsJson(yaml).json }));
  return `s3://${bucket}/${key}`;
}
