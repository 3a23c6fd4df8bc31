import { setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { KubeClient } from '../client/kube-client.js';
import { type Clock, realClock } from '../common/clock.js';
import { ConfigError } from '../common/errors.js';
import { type Logger, silentLogger } from '../common/logger.js';
import { SharedInformerFactory, type SharedInformerFactoryOptions } from '../informers/factory.js';
import { PrometheusInformerMetricsProvider } from '../informers/prometheus-metrics.js';
import { stripManagedFields } from '../informers/transforms.js';
import {
  LeaderElector,
  newResourceLock,
  PrometheusLeaderElectionMetricsProvider,
  type ResourceLock,
  type ResourceLockType,
} from '../leaderelection/index.js';
import { PrometheusMetricsProvider } from '../workqueue/prometheus-metrics.js';
import { Controller, type ControllerOptions } from './controller.js';
import { type ControllerMetrics, prometheusControllerMetrics } from './metrics.js';

/** Something the manager runs: started once, stopped through its signal. */
export interface Runnable {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
}

/** A health or readiness check: throw (or reject) to report unhealthy, with the reason. */
export type HealthCheck = () => void | Promise<void>;

/** Leader election settings of a {@link Manager} (the same knobs as `--leader-elect-*`). */
export interface ManagerLeaderElection {
  /** The lock to compete for, or the parameters to build one. */
  lock:
    | ResourceLock
    | {
        /** Lock kind, as `--leader-elect-resource-lock` names them (default `leases`). */
        type?: ResourceLockType;
        namespace: string;
        name: string;
      };
  /** This replica's identity (default: hostname plus a random suffix). */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Give the lease up on shutdown so a successor takes over at once (default true). */
  releaseOnCancel?: boolean;
}

/**
 * Client rate limit a Manager gives its `kube` client when the user chose none: controller-runtime's
 * (GetConfig's QPS 20, burst 30), not client-go's raw 5 / 10, which makes a first controller
 * that writes a few hundred objects take minutes.
 */
export const managerDefaultRateLimit = { qps: 20, burst: 30 } as const;

/** Options of a {@link Manager}. Every field but `kube` has a documented default. */
export interface ManagerOptions {
  /**
   * The client controllers use. If it was made without `qps` or `burst`, the Manager raises its
   * limit to {@link managerDefaultRateLimit} (20 / 30) when constructed, as controller-runtime
   * does; limits you set are kept. Leader election never waits in this client's token bucket:
   * the lock gets a client of its own over the same connection pool.
   */
  kube: KubeClient;
  /** Name for logs and the election (default `manager`). */
  name?: string;
  /**
   * Informer factory settings; the defaults strip managedFields and export informer metrics
   * (`kubekit_informer_*`) in `registry`.
   */
  informers?: SharedInformerFactoryOptions;
  /** Off by default: then every runnable runs at once. */
  leaderElection?: ManagerLeaderElection;
  /** Serve `/healthz`, `/readyz` and `/metrics` here (default: no HTTP server). Port 0 picks one. */
  http?: { host?: string; port: number };
  /** How long stopping may take before the manager gives up waiting (default 30 s). */
  gracefulShutdownTimeoutMs?: number;
  /**
   * What to do when leadership is lost while running. Default `'exit'`: stop, then exit the
   * process with code 1 — as Kubernetes components do, so a fresh process competes again with
   * clean caches. A function is called instead (after everything stopped).
   */
  onLeadershipLost?: 'exit' | (() => void);
  /** Registry for `/metrics` (default: a new one with Node's default metrics). */
  registry?: Registry;
  logger?: Logger;
  clock?: Clock;
}

/**
 * Runs a set of controllers and other runnables (controller-runtime's Manager): owns the
 * shared informer factory and a metrics registry, gates leader-only runnables behind leader
 * election, serves health, readiness (informers synced, election healthy) and Prometheus
 * metrics, and shuts down in order — runnables, then informers, then the lease — within a
 * bound when its signal aborts.
 */
export class Manager {
  readonly kube: KubeClient;
  readonly factory: SharedInformerFactory;
  readonly registry: Registry;
  readonly name: string;
  private readonly runnables: { runnable: Runnable; leaderOnly: boolean }[] = [];
  private readonly healthChecks = new Map<string, HealthCheck>();
  private readonly readyChecks = new Map<string, HealthCheck>();
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly controllerMetrics: ControllerMetrics;
  private readonly queueMetrics: PrometheusMetricsProvider;
  private server: Server | undefined;
  private leading = false;
  private started = false;
  private readonly rateLimitDefaulted: boolean;
  /** Address the HTTP server listens on, once started (`host:port`). */
  httpAddress: string | undefined;

  constructor(private readonly options: ManagerOptions) {
    this.kube = options.kube;
    this.rateLimitDefaulted = !options.kube.rest.rateLimit.chosen;
    options.kube.rest.useDefaultRateLimit(managerDefaultRateLimit);
    this.name = options.name ?? 'manager';
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? realClock;
    this.registry = options.registry ?? defaultRegistry();
    this.controllerMetrics = prometheusControllerMetrics(this.registry);
    this.queueMetrics = new PrometheusMetricsProvider({ registry: this.registry });
    this.factory = new SharedInformerFactory(options.kube, {
      transform: stripManagedFields,
      logger: this.logger,
      metrics: new PrometheusInformerMetricsProvider({ registry: this.registry }),
      ...options.informers,
    });
    this.readyChecks.set('informers', () => {
      if (!this.factory.hasSynced()) throw new Error('informer caches have not synced');
    });
  }

  /** Adds a runnable; leader-only ones (the default) run only while this replica leads. */
  add(runnable: Runnable, options: { leaderOnly?: boolean } = {}): void {
    if (this.started) throw new ConfigError(`${this.name}: add runnables before starting the manager.`);
    this.runnables.push({ runnable, leaderOnly: options.leaderOnly ?? true });
  }

  /** Creates a controller wired to the manager's logger and metrics, and adds it (leader-only). */
  newController(options: ControllerOptions): Controller {
    const controller = new Controller({
      logger: this.logger,
      clock: this.clock,
      metrics: this.controllerMetrics,
      queueMetrics: this.queueMetrics,
      ...options,
    });
    this.add({ name: controller.name, start: (signal) => controller.run(signal) });
    return controller;
  }

  /** Adds a liveness check served at `/healthz`. */
  addHealthzCheck(name: string, check: HealthCheck): void {
    this.healthChecks.set(name, check);
  }

  /** Adds a readiness check served at `/readyz` (informer sync is always checked). */
  addReadyzCheck(name: string, check: HealthCheck): void {
    this.readyChecks.set(name, check);
  }

  /** True while this replica leads (always true without leader election once started). */
  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Starts everything and resolves when `signal` aborts and shutdown has finished (or its
   * timeout passed). Rejects only for configuration errors found at start.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.started) throw new ConfigError(`${this.name}: a manager starts once.`);
    this.started = true;
    const stopAll = new AbortController();
    // Every runnable, informer and watch listens on this one signal: fan-out, not a leak.
    setMaxListeners(0, stopAll.signal);
    const onAbort = () => stopAll.abort(signal.reason);
    // A signal that aborted before start never fires 'abort' again: start and stop at once.
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const { qps, burst } = this.kube.rest.rateLimit;
    this.logger.info(`${this.name}: starting`, {
      qps,
      burst,
      rateLimit: this.rateLimitDefaulted ? 'default (none chosen: controller-runtime’s 20/30)' : 'chosen',
      leaderElection: this.options.leaderElection ? 'on' : 'off',
    });
    if (this.options.http) await this.listen(this.options.http);

    const running: Promise<void>[] = [];
    const launch = (runnable: Runnable, runSignal: AbortSignal): Promise<void> => {
      const run = runnable.start(runSignal).catch((err: unknown) => {
        this.logger.error(`${this.name}: runnable ${runnable.name} failed`, { error: String(err) });
        // A runnable that cannot run (caches never synced, bad config) takes the manager
        // down, so the failure is visible (and a Deployment restarts the process).
        stopAll.abort(err);
      });
      running.push(run);
      return run;
    };
    this.factory.start(stopAll.signal);
    for (const { runnable, leaderOnly } of this.runnables) if (!leaderOnly) launch(runnable, stopAll.signal);

    let lostLeadership = false;
    const leaderRunnables = this.runnables.filter((r) => r.leaderOnly).map((r) => r.runnable);
    const election = this.options.leaderElection;
    let electing: Promise<void> | undefined;
    let lockClient: KubeClient | undefined;
    if (election) {
      const identity = election.identity ?? `${hostname()}_${Math.random().toString(36).slice(2, 10)}`;
      let lock: ResourceLock;
      if ('identity' in election.lock && typeof election.lock.identity === 'function') {
        lock = election.lock as ResourceLock;
      } else {
        // Renewals wait in a token bucket of their own: a controller saturating the shared one
        // would otherwise make the leader miss its renew deadline under load alone.
        lockClient = this.kube.withRateLimit();
        const { type, namespace, name } = election.lock as {
          type?: ResourceLockType;
          namespace: string;
          name: string;
        };
        lock = newResourceLock(type ?? 'leases', { kube: lockClient, namespace, name, identity });
      }
      const elector = new LeaderElector({
        lock,
        name: this.name,
        logger: this.logger,
        clock: this.clock,
        releaseOnCancel: election.releaseOnCancel ?? true,
        metrics: new PrometheusLeaderElectionMetricsProvider({ registry: this.registry }),
        ...(election.leaseDurationMs ? { leaseDurationMs: election.leaseDurationMs } : {}),
        ...(election.renewDeadlineMs ? { renewDeadlineMs: election.renewDeadlineMs } : {}),
        ...(election.retryPeriodMs ? { retryPeriodMs: election.retryPeriodMs } : {}),
        callbacks: {
          onStartedLeading: (leaderSignal: AbortSignal) => {
            this.leading = true;
            this.logger.info(`${this.name}: became the leader`, { identity });
            const both = AbortSignal.any([leaderSignal, stopAll.signal]);
            setMaxListeners(0, both);
            // Settles once the leader-only work has stopped: the elector releases the lease only
            // then, so a successor never overlaps with work still winding down here.
            return Promise.all(leaderRunnables.map((runnable) => launch(runnable, both))).then(() => {});
          },
          onStoppedLeading: () => {
            const wasLeading = this.leading;
            this.leading = false;
            if (wasLeading && !signal.aborted) {
              lostLeadership = true;
              this.logger.error(`${this.name}: lost leadership; stopping`, { identity });
              stopAll.abort(new Error('leadership lost'));
            }
          },
          onNewLeader: (leader: string) => this.logger.info(`${this.name}: the leader is ${leader}`),
        },
      });
      this.addHealthzCheck('leader-election', () => {
        const err = elector.check();
        if (err) throw err;
      });
      electing = elector.run(stopAll.signal);
    } else {
      this.leading = true;
      for (const runnable of leaderRunnables) launch(runnable, stopAll.signal);
    }

    await new Promise<void>((resolve) => {
      if (stopAll.signal.aborted) resolve();
      else stopAll.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    signal.removeEventListener('abort', onAbort);
    this.logger.info(`${this.name}: shutting down`);
    const timeoutMs = this.options.gracefulShutdownTimeoutMs ?? 30_000;
    const finished = (async () => {
      await Promise.allSettled(running);
      await this.factory.shutdown();
      // The lease is released last, after the work it protects has stopped.
      await electing;
      await lockClient?.close();
    })();
    const giveUp = new AbortController();
    const timedOut = await Promise.race([
      finished.then(() => false),
      this.clock.sleep(timeoutMs, giveUp.signal).then(
        () => true,
        () => false,
      ),
    ]);
    // The shutdown timer must not keep the process alive once everything has stopped.
    giveUp.abort();
    if (timedOut) this.logger.warn(`${this.name}: shutdown did not finish within ${timeoutMs} ms`);
    await this.closeServer();
    if (lostLeadership) {
      const onLost = this.options.onLeadershipLost ?? 'exit';
      if (onLost === 'exit') process.exit(1);
      else onLost();
    }
  }

  private async listen(http: { host?: string; port: number }): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const respond = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
        res.writeHead(code, { 'content-type': type });
        res.end(body);
      };
      if (path === '/metrics') {
        this.registry.metrics().then(
          (text) => respond(200, text, this.registry.contentType),
          (err: unknown) => respond(500, String(err)),
        );
        return;
      }
      const checks =
        path === '/healthz' || path === '/livez'
          ? this.healthChecks
          : path === '/readyz'
            ? this.readyChecks
            : undefined;
      if (!checks) return respond(404, 'not found\n');
      void runChecks(checks).then(({ ok, lines }) =>
        respond(ok ? 200 : 500, `${lines.join('\n')}\n${ok ? 'ok' : 'failed'}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new ConfigError(
                `${this.name}: port ${http.port} is in use; choose another for the health/metrics server.`,
              )
            : err,
        ),
      );
      server.listen(http.port, http.host ?? '0.0.0.0', () => resolve());
    });
    const address = server.address();
    if (address && typeof address === 'object') this.httpAddress = `${address.address}:${address.port}`;
    this.server = server;
  }

  private closeServer(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}

async function runChecks(checks: Map<string, HealthCheck>): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let ok = true;
  for (const [name, check] of checks) {
    try {
      await check();
      lines.push(`[+]${name} ok`);
    } catch (err) {
      ok = false;
      lines.push(`[-]${name} failed: ${(err as Error).message ?? String(err)}`);
    }
  }
  return { ok, lines };
}

function defaultRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * An AbortSignal that aborts on the first SIGTERM or SIGINT (graceful shutdown); a second one
 * exits at once with code 130, as controller-runtime's signal handler does.
 */
export function shutdownSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error(`received ${sig}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return controller.signal;
}
