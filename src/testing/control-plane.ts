import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { realClock } from '../common/clock.js';
import { ConfigError } from '../common/errors.js';
import { type Logger, silentLogger } from '../common/logger.js';
import { compactEtcd } from './etcd-compaction.js';
import { freePort, probePort } from './free-port.js';
import { buildKubeLocal } from './kube-local-build.js';
import { contextName, type LocalUser, renderKubeconfig } from './local-kubeconfig.js';
import { SupervisedProcess } from './supervised-process.js';

const execFileAsync = promisify(execFile);

/** Options for {@link LocalControlPlane.start}. Every field has a working default. */
export interface LocalControlPlaneOptions {
  /** Folder with the kube-local binaries; default: build (or reuse) them with tools/kube-local. */
  binDir?: string;
  /** Work folder for certificates, etcd data, logs and kubeconfigs; default: a new temp folder, removed on stop. */
  workDir?: string;
  /** kube-apiserver's `--etcd-compaction-interval` (default `5m`); short values make 410 Gone easy to force. */
  etcdCompactionInterval?: string;
  /** Fixed ports; default: free ports picked at start. A port in use is a ConfigError. */
  apiServerPort?: number;
  etcdPort?: number;
  /** Extra kube-apiserver flags, appended last so they override the defaults. */
  apiServerFlags?: string[];
  /** How long to wait for etcd and `/readyz` (default 90 s). */
  startTimeoutMs?: number;
  logger?: Logger;
}

/** Credentials of one local user, for building clients directly. */
export interface LocalCredentials {
  /** Context name in {@link LocalControlPlane.kubeconfigPath}. */
  context: string;
  certFile?: string;
  keyFile?: string;
  token?: string;
}

/**
 * A real etcd + kube-apiserver on 127.0.0.1, built from the Go module proxy (tools/kube-local),
 * with a throwaway CA and RBAC on. Users in the written kubeconfig:
 * - `admin` (context `kube-local`, current): client certificate in `system:masters`;
 * - `restricted` (context `kube-local-restricted`): a certificate with no permissions;
 * - `token` (context `kube-local-token`): a bearer token with no permissions (static token file);
 * - `scheduler`, `controller-manager`: certificates for `system:kube-scheduler` and
 *   `system:kube-controller-manager`, for running the real components beside kubekit.
 * Processes are supervised: they die with this Node process however it ends.
 */
export class LocalControlPlane {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** Kubeconfig with every user's context; `kube-local` (admin) is current. */
  readonly kubeconfigPath: string;
  readonly caFile: string;
  readonly users: Readonly<
    Record<'admin' | 'restricted' | 'token' | 'scheduler' | 'controller-manager', LocalCredentials>
  >;
  private apiServer: SupervisedProcess | undefined;
  private stopped = false;

  private constructor(
    readonly binDir: string,
    readonly workDir: string,
    /** etcd's client URL (plain HTTP on loopback). */
    readonly etcdUrl: string,
    private readonly etcd: SupervisedProcess,
    private readonly apiServerArgs: string[],
    readonly apiServerPort: number,
    private readonly logger: Logger,
    private readonly startTimeoutMs: number,
    token: string,
  ) {
    this.server = `https://127.0.0.1:${apiServerPort}`;
    this.caFile = join(workDir, 'pki', 'ca.crt');
    const cert = (name: string): LocalCredentials => ({
      context: contextName(name),
      certFile: join(workDir, 'pki', `${name}.crt`),
      keyFile: join(workDir, 'pki', `${name}.key`),
    });
    this.users = {
      admin: cert('admin'),
      restricted: cert('restricted'),
      token: { context: contextName('token'), token },
      scheduler: cert('scheduler'),
      'controller-manager': cert('controller-manager'),
    };
    this.kubeconfigPath = join(workDir, 'kubeconfig');
    const users: LocalUser[] = Object.entries(this.users).map(([name, c]) =>
      c.token ? { name, token: c.token } : { name, certFile: c.certFile!, keyFile: c.keyFile! },
    );
    writeFileSync(this.kubeconfigPath, renderKubeconfig(this.server, this.caFile, users), { mode: 0o600 });
  }

  /**
   * Path of a binary built by kube-local (`kubectl`, `kube-scheduler`, …). The control plane
   * builds only etcd and kube-apiserver; call `buildKubeLocal()` first for the others.
   */
  binary(name: string): string {
    return join(this.binDir, name);
  }

  /**
   * Builds or finds the binaries, creates the PKI, starts etcd and kube-apiserver and waits
   * until `/readyz` answers 200. Rejects with a message saying what failed (missing Go, port in
   * use, a process that exited, with the tail of its log) and leaves nothing running.
   */
  static async start(options: LocalControlPlaneOptions = {}): Promise<LocalControlPlane> {
    const logger = options.logger ?? silentLogger;
    const startTimeoutMs = options.startTimeoutMs ?? 90_000;
    const binDir = options.binDir ?? (await buildKubeLocal({ logger, group: 'core' }));
    const ownsDir = !options.workDir;
    const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'kube-local-'));
    const helper = join(binDir, 'kube-local-helper');

    const [etcdPort, etcdPeerPort, apiServerPort] = await Promise.all([
      portFor('etcd', options.etcdPort),
      freePort(),
      portFor('kube-apiserver', options.apiServerPort),
    ]);

    const pki = join(workDir, 'pki');
    await run(helper, [
      'pki',
      '--dir',
      pki,
      '--client',
      'admin:kubekit-admin:system:masters',
      '--client',
      'restricted:kubekit-restricted',
      '--client',
      'scheduler:system:kube-scheduler',
      '--client',
      'controller-manager:system:kube-controller-manager',
    ]);
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(workDir, 'tokens.csv'), `${token},kubekit-token-user,kubekit-token-uid\n`, {
      mode: 0o600,
    });

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    logger.info('kube-local: starting etcd', { url: etcdUrl });
    const etcd = new SupervisedProcess(helper, {
      name: 'etcd',
      command: join(binDir, 'etcd'),
      args: [
        '--name=kube-local',
        `--data-dir=${join(workDir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=kube-local=${peerUrl}`,
        // Tests trade durability for speed; the data only has to outlive an apiserver restart.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      logFile: join(workDir, 'etcd.log'),
      ...(ownsDir ? { removeAfterExit: workDir } : {}),
    });

    const pkiFile = (name: string) => join(pki, name);
    const apiServerArgs = [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // The `kubernetes` Service's endpoints may not point at loopback; nothing here needs them.
      '--endpoint-reconciler-type=none',
      `--secure-port=${apiServerPort}`,
      `--tls-cert-file=${pkiFile('apiserver.crt')}`,
      `--tls-private-key-file=${pkiFile('apiserver.key')}`,
      `--client-ca-file=${pkiFile('ca.crt')}`,
      `--service-account-key-file=${pkiFile('sa.pub')}`,
      `--service-account-signing-key-file=${pkiFile('sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--token-auth-file=${join(workDir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      `--etcd-compaction-interval=${options.etcdCompactionInterval ?? '5m'}`,
      '--profiling=false',
      ...(options.apiServerFlags ?? []),
    ];
    const plane = new LocalControlPlane(
      binDir,
      workDir,
      etcdUrl,
      etcd,
      apiServerArgs,
      apiServerPort,
      logger,
      startTimeoutMs,
      token,
    );
    try {
      await plane.startApiServer();
    } catch (err) {
      await plane.stop();
      throw err;
    }
    return plane;
  }

  /** Starts kube-apiserver (after {@link stopApiServer}) and waits for `/readyz`. etcd's data is kept. */
  async startApiServer(): Promise<void> {
    if (this.apiServer?.running) return;
    this.logger.info('kube-local: starting kube-apiserver', { server: this.server });
    const apiServer = new SupervisedProcess(join(this.binDir, 'kube-local-helper'), {
      name: 'kube-apiserver',
      command: join(this.binDir, 'kube-apiserver'),
      args: this.apiServerArgs,
      logFile: join(this.workDir, 'kube-apiserver.log'),
    });
    this.apiServer = apiServer;
    await this.waitReady(apiServer);
    this.logger.info('kube-local: kube-apiserver is ready', { server: this.server });
  }

  /** Stops kube-apiserver only (etcd keeps running); clients see connection refused until restarted. */
  async stopApiServer(): Promise<void> {
    await this.apiServer?.stop();
  }

  /** Stops and starts kube-apiserver on the same port with the same etcd data. */
  async restartApiServer(): Promise<void> {
    await this.stopApiServer();
    await this.startApiServer();
  }

  /** Compacts etcd to its current revision: every older resourceVersion now answers 410 Gone. */
  compact(): Promise<number> {
    return compactEtcd(this.etcdUrl);
  }

  /** Stops kube-apiserver and etcd, and removes the work folder if the launcher created it. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.apiServer?.stop();
    await this.etcd.stop();
  }

  private async waitReady(apiServer: SupervisedProcess): Promise<void> {
    const agent = new Agent({
      connect: {
        ca: readFileSync(this.caFile),
        cert: readFileSync(this.users.admin.certFile!),
        key: readFileSync(this.users.admin.keyFile!),
      },
    });
    const deadline = realClock.now() + this.startTimeoutMs;
    let last = 'no answer yet';
    try {
      while (realClock.now() < deadline) {
        for (const [proc, what] of [
          [this.etcd, 'etcd'],
          [apiServer, 'kube-apiserver'],
        ] as const) {
          if (!proc.running) throw exitedError(what, proc);
        }
        try {
          const res = await request(`${this.server}/readyz`, {
            dispatcher: agent,
            headersTimeout: 5_000,
            bodyTimeout: 5_000,
          });
          const body = await res.body.text();
          if (res.statusCode === 200) return;
          last = `HTTP ${res.statusCode}: ${body
            .split('\n')
            .filter((l) => l.includes('[-]'))
            .join(', ')}`;
        } catch (err) {
          last = (err as Error).message;
        }
        await realClock.sleep(250);
      }
      throw new Error(
        `kube-apiserver was not ready within ${this.startTimeoutMs} ms (last /readyz: ${last}). ` +
          `Log tail:\n${apiServer.logTail()}`,
      );
    } finally {
      await agent.close();
    }
  }
}

function exitedError(what: string, proc: SupervisedProcess): Error {
  const tail = proc.logTail();
  const hint = /address already in use/.test(tail)
    ? ' A port it needs is already in use: stop the other process or pick other ports.'
    : '';
  return new Error(`${what} exited during start-up.${hint} Log tail (${proc.spec.logFile}):\n${tail}`);
}

async function portFor(what: string, port: number | undefined): Promise<number> {
  if (port === undefined) return freePort();
  try {
    await probePort(port);
  } catch (err) {
    throw new ConfigError(
      `Port ${port} for ${what} on 127.0.0.1 is not available (${(err as NodeJS.ErrnoException).code}); ` +
        'stop whatever listens there or choose another port (leave it unset to pick a free one).',
    );
  }
  return port;
}

async function run(command: string, args: string[]): Promise<void> {
  try {
    await execFileAsync(command, args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr;
    throw new Error(`${command} ${args[0]} failed: ${stderr || (err as Error).message}`);
  }
}
