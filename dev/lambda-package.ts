/**
 * The packaged stack as the deploy tests and the bundle bench read it: `npm run package` (osls +
 * serverless-esbuild, offline, no AWS credentials) writes .serverless/cloudformation-template-update-stack.json
 * and one zip per function. Packages again when that output is missing or older than what it is built from.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PACKAGE_DIR = join(ROOT, '.serverless');
const TEMPLATE = 'cloudformation-template-update-stack.json';
const OSLS = join(ROOT, 'node_modules/.bin/osls');
/** What the package is built from (besides node_modules). */
const SOURCES = [
  'serverless.yml',
  'package.json',
  'scripts/esbuild-plugins.mjs',
  'scripts/lambda-config.mjs',
  'scripts/deflate-zips.mjs',
  'dev/zip.ts',
  'bin',
  // The built CLI: the packaging validates the config with it (scripts/lambda-config.mjs).
  'dist/cli',
  'functions',
  'lib',
  'examples',
];

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export interface Resource {
  Type: string;
  Condition?: string;
  Properties: Record<string, Json>;
  DependsOn?: string[];
}
export interface Template {
  Resources: Record<string, Resource>;
  Conditions: Record<string, Json>;
  Outputs: Record<string, Json>;
}

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

/** Without AWS credentials or profile: packaging must not need (or find) an account. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return { ...env, SLS_TELEMETRY_DISABLED: '1' };
}

/** Runs a command to completion and returns its stdout; a failure throws with both outputs. */
function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, {
    cwd,
    env: offlineEnv(),
    encoding: 'utf8',
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/**
 * .serverless as `npm run package` leaves it, packaging first when it is missing or stale. One process
 * at a time: test files run in parallel, and two osls runs would empty each other's .serverless.
 */
export function ensurePackaged(): string {
  return whileLocked(`${PACKAGE_DIR}.lock`, () => {
    const template = join(PACKAGE_DIR, TEMPLATE);
    const built = existsSync(template) ? statSync(template).mtimeMs : 0;
    if (built < Math.max(...SOURCES.map((source) => newestChange(join(ROOT, source))))) {
      run('npm', ['run', 'package'], ROOT);
    }
    return PACKAGE_DIR;
  });
}

/** Runs `fn` holding a lock file that names this process; a lock whose process is gone is taken over. */
function whileLocked<T>(lock: string, fn: () => T): T {
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder(lock);
      if (holder === undefined) continue; // released meanwhile
      // 0: a lock file still being written, waited for like any other.
      if (holder > 0 && !isRunning(holder)) rmSync(lock, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockHolder(lock: string): number | undefined {
  try {
    return Number(readFileSync(lock, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PackageVariant {
  /** `--param` overrides. */
  params?: Record<string, string>;
  /** Changes serverless.yml (e.g. the esbuild options) before packaging. */
  editServerlessYml?: (text: string) => string;
}

/**
 * Packages a copy of the project, so .serverless (read by the deploy tests) is left alone: osls empties
 * .serverless whatever --package says. Returns the copy's package directory; remove `dirname` of it after.
 */
export function packageCopy(variant: PackageVariant): string {
  const copy = mkdtempSync(join(tmpdir(), 'spendwatch-package-'));
  for (const source of SOURCES) cpSync(join(ROOT, source), join(copy, source), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  if (variant.editServerlessYml) {
    const file = join(copy, 'serverless.yml');
    writeFileSync(file, variant.editServerlessYml(readFileSync(file, 'utf8')));
  }
  run(OSLS, ['package', '--stage', 'ci', ...paramArgs(variant.params)], copy);
  return join(copy, '.serverless');
}

function paramArgs(params: Record<string, string> = {}): string[] {
  return Object.entries(params).flatMap(([name, value]) => ['--param', `${name}=${value}`]);
}

/** serverless.yml's functions and resources with every variable resolved, as osls packages them. */
export interface ResolvedService {
  functions: Record<string, { environment?: Record<string, Json>; events?: Json[] }>;
  resources: { Conditions: Record<string, Json> };
}

/**
 * serverless.yml for the ci stage with `params` as `--param` overrides, resolved by osls itself
 * (`osls print`) without bundling anything: what stage parameters change, at a quarter of a package's
 * cost. How the resolved service compiles to CloudFormation is what the packaged template shows.
 */
export function resolvedService(params: Record<string, string>): ResolvedService {
  return JSON.parse(
    run(OSLS, ['print', '--stage', 'ci', '--format', 'json', ...paramArgs(params)], ROOT),
  ) as ResolvedService;
}

export function readTemplate(dir: string): Template {
  return JSON.parse(readFileSync(join(dir, TEMPLATE), 'utf8')) as Template;
}

/** Logical id → resource, for every resource of `type`. */
export function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The packaged functions: name, handler file inside the zip (without extension) and the zip's path. */
export function packagedFunctions(dir: string): { name: string; handlerFile: string; zip: string }[] {
  const state = JSON.parse(readFileSync(join(dir, 'serverless-state.json'), 'utf8')) as {
    service: { functions: Record<string, { handler: string }> };
  };
  return Object.entries(state.service.functions).map(([name, fn]) => ({
    name,
    handlerFile: fn.handler.slice(0, fn.handler.lastIndexOf('.')),
    zip: join(dir, `${name}.zip`),
  }));
}
