/**
 * Keep a worker alive: when it crashes (uncaught error, out of memory, killed), report it, start a fresh
 * one and hand it back to the caller to re-send what it held (the page keeps the dataset's Arrow IPC
 * bytes, and IndexedDB has them too), so a crash costs the current run, never the loaded data.
 */

export class WorkerCrashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrashError';
  }
}

export interface SupervisorOptions<W> {
  /** Build the API object (e.g. Comlink.wrap) for a fresh worker. */
  wrap: (worker: Worker) => W;
  /** Called after a restart, before any new call runs: re-send the loaded data here. */
  restore?: (api: W) => Promise<void>;
  /** Tell the user (a toast / status line). */
  onCrash?: (error: WorkerCrashError, restarts: number) => void;
}

export class SupervisedWorker<W> {
  private worker!: Worker;
  private current!: W;
  private crashed!: Promise<never>;
  private rejectCrash!: (e: WorkerCrashError) => void;
  private restoring: Promise<void> = Promise.resolve();
  restarts = 0;

  constructor(
    private readonly create: () => Worker,
    private readonly opts: SupervisorOptions<W>,
  ) {
    this.start();
  }

  private start(): void {
    this.worker = this.create();
    this.current = this.opts.wrap(this.worker);
    this.crashed = new Promise<never>((_, reject) => (this.rejectCrash = reject));
    this.crashed.catch(() => undefined);
    const w = this.worker;
    w.addEventListener('error', (ev: ErrorEvent) => {
      ev.preventDefault?.();
      if (w === this.worker) this.handleCrash(ev.message || 'the worker stopped unexpectedly');
    });
    w.addEventListener('messageerror', () => {
      if (w === this.worker) this.handleCrash('the worker sent a message that could not be read');
    });
  }

  private handleCrash(reason: string): void {
    const err = new WorkerCrashError(`The training worker crashed (${reason}). It was restarted; your data is still loaded.`);
    this.rejectCrash(err);
    this.worker.terminate();
    this.restarts++;
    this.start();
    this.opts.onCrash?.(err, this.restarts);
    const api = this.current;
    this.restoring = (this.opts.restore?.(api) ?? Promise.resolve()).catch(() => undefined);
  }

  get api(): W {
    return this.current;
  }

  /** Run a call; if the worker crashes meanwhile the call rejects with WorkerCrashError (and the worker restarts). */
  async call<R>(f: (api: W) => Promise<R>): Promise<R> {
    await this.restoring;
    return Promise.race([f(this.current), this.crashed]);
  }

  /** Treat the worker as crashed (e.g. a heartbeat timed out, or a test). */
  restart(reason = 'restarted on request'): void {
    this.handleCrash(reason);
  }

  terminate(): void {
    this.worker.terminate();
  }
}
