import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StoreSpec } from './state-child.ts';

const STATE_CHILD = fileURLToPath(new URL('./state-child.ts', import.meta.url));

/** A state-child.ts process: send it JSON commands, read its JSON answers, kill it like a crash. */
export class StateChild {
  private readonly child: ChildProcess;
  private readonly answers: string[] = [];
  private wake: (() => void) | undefined;
  private exited = false;

  /** Resolves once the child is loaded: loading takes long enough to spoil a race if not waited for. */
  static async start(spec: StoreSpec): Promise<StateChild> {
    const child = new StateChild(spec);
    await child.answer(); // "ready"
    return child;
  }

  private constructor(spec: StoreSpec) {
    // --no-warnings: the AWS SDK's Node version notice would be printed once per child.
    this.child = spawn(
      process.execPath,
      ['--no-warnings', '--import', 'tsx', STATE_CHILD, JSON.stringify(spec)],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.answers.push(line);
      this.wake?.();
    });
    this.child.on('exit', () => {
      this.exited = true;
      this.wake?.();
    });
  }

  send(command: unknown): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  async answer<T>(): Promise<T> {
    while (this.answers.length === 0) {
      if (this.exited) throw new Error('state child exited without answering (its stderr is above)');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    return JSON.parse(this.answers.shift()!) as T;
  }

  /** SIGKILL: no cleanup, no finally blocks, exactly like a crashed run. */
  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await gone;
  }

  async end(): Promise<void> {
    this.child.stdin!.end();
    if (!this.exited) await new Promise((resolve) => this.child.once('exit', resolve));
  }
}
