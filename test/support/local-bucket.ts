import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3ClientFromEnv } from '../../lib/aws/clients.ts';

/** A new bucket on a local S3 (fauxqs), and the Lambda environment that points at it with local credentials. */
export async function localBucket(
  endpoint: string,
  bucket: string,
): Promise<{ env: Record<string, string>; s3: S3Client }> {
  const env = {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    SPENDWATCH_S3_ENDPOINT: endpoint,
    SPENDWATCH_BUCKET: bucket,
  };
  const s3 = s3ClientFromEnv(env);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { env, s3 };
}
