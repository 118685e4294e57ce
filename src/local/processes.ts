// Child processes of tests and the demo: each in its own process group, so a teardown (or an exit
// after a failed test, or Ctrl-C) kills it together with everything it started.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

// Last line of defence: whatever happens to the test process, its children die with it.
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

export interface Managed {
  child: ChildProcess;
  /** Output so far (stdout and stderr interleaved), for error messages. */
  output(): string;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the group at once. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export function startProcess(command: string, args: readonly string[], options: SpawnOptions & { logFile?: string } = {}): Managed {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const log = options.logFile ? fs.createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    log?.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      running.delete(child);
      log?.end();
      resolve(code);
    });
    child.on('error', (error) => {
      output += `\n${error.message}`;
      running.delete(child);
      resolve(-1);
    });
  });
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    // Anything the process left in its group goes too.
    killGroup(child, 'SIGKILL');
  };
  const kill = async () => {
    killGroup(child, 'SIGKILL');
    await exited;
  };
  return { child, output: () => output, stop, kill, exited };
}

/** Stops every process started here (mocha's root hook calls this after all tests; the demo on Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map((child) => {
      killGroup(child, 'SIGTERM');
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          killGroup(child, 'SIGKILL');
          resolve();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer);
          resolve();
        }
      });
    }),
  );
}

/** A port the OS says is free right now. */
export function freePort(): Promise<number> {
  return freePorts(1).then(([port]) => port!);
}

/** `count` distinct free ports: each is held until all are picked, so no two are the same. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      server.unref();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** A process that exited before it was ready: most often, another process took its port first. */
export class ExitedDuringStart extends Error {}

/**
 * Starts a server on free ports. A port is free when picked but the server binds it a moment later,
 * when another process (another test run on this machine) may have taken it; the server then exits
 * during start-up, and the start is tried again on new ports.
 */
export async function onFreePorts<T>(count: number, start: (ports: number[]) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePorts(count));
    } catch (error) {
      if (!(error instanceof ExitedDuringStart) || attempt >= attempts) throw error;
    }
  }
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, managed?: Managed): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const exited = () => managed !== undefined && (managed.child.exitCode !== null || managed.child.signalCode !== null);
  const failExited = () => {
    throw new ExitedDuringStart(`${what}: the process exited (${managed!.child.exitCode ?? managed!.child.signalCode}):\n${managed!.output()}`);
  };
  for (;;) {
    // Asked before and after the probe: a probe answered while the process has exited was answered by
    // another server on the same port, not by this one.
    if (exited()) failExited();
    if (await check().catch(() => false)) {
      if (exited()) failExited();
      return;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms${managed ? `:\n${managed.output()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
