/**
 * osls plugin (serverless.yml: plugins, before serverless-esbuild): the config reaches the Lambda
 * functions as JSON, so their bundles carry no YAML parser. Before the functions are packaged it runs
 * `spendwatch validate --config <configFile> --out <json>`: the CLI's YAML parser checks the config
 * (a problem stops the packaging, every problem listed with its line) and writes the JSON the
 * functions read (lib/runtime/config-source.ts), which the zips ship. With config=s3 nothing is
 * bundled: the functions read the JSON uploaded to S3 (README, "Deploy").
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

export default class LambdaConfig {
  constructor(serverless, _options, { log }) {
    this.serverless = serverless;
    this.log = log;
    const write = () => this.write();
    this.hooks = {
      'before:package:createDeploymentArtifacts': write,
      'before:deploy:function:packageFunction': write,
    };
  }

  write() {
    const { location, source, json } = this.serverless.service.custom.lambdaConfig;
    const root = this.serverless.serviceDir;
    // Never ship a JSON left by an earlier packaging with another config.
    rmSync(join(root, json), { force: true });
    if (location !== 'bundle') return;
    mkdirSync(dirname(join(root, json)), { recursive: true });
    const run = spawnSync(
      process.execPath,
      ['--no-warnings', join(root, 'bin/spendwatch.js'), 'validate', '--config', source, '--out', json],
      { cwd: root, encoding: 'utf8' },
    );
    if (run.status !== 0) {
      throw new this.serverless.classes.Error(
        `The config ${source} cannot be shipped (param configFile):\n${run.stderr.trim() || run.stdout.trim()}`,
      );
    }
    this.log.verbose(run.stdout.trim());
  }
}
