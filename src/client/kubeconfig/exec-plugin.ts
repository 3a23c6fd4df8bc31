import type { Clock } from '../../common/clock.js';
import { ConfigError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Authenticator } from './connection-config.js';
import {
  type ExecClusterInfo,
  type ExecCredentialResult,
  execInfo,
  parseExecCredential,
} from './exec-credential.js';
import { ExecRunError, type ExecRunFailure, runExecProcess } from './exec-process.js';
import { sanitizeStderr } from './messages.js';
import { waitWithSignal } from './signal.js';
import type { ExecConfig } from './types.js';

/** Options for {@link ExecAuthenticator}. */
export interface ExecAuthenticatorOptions {
  /** A checked exec stanza: supported apiVersion, interactiveMode not `Always`, command set. */
  exec: ExecConfig;
  /** Who the plugin serves, for messages: e.g. `user "eks" in kubeconfig /home/me/.kube/config`. */
  describe: string;
  /** Present when the stanza sets `provideClusterInfo`. */
  cluster?: ExecClusterInfo;
  clock: Clock;
  logger: Logger;
  timeoutMs: number;
  /** Environment the plugin inherits before the stanza's `env` is applied. Default: `process.env`. */
  baseEnv?: NodeJS.ProcessEnv;
}

interface CachedCredentials {
  result: ExecCredentialResult;
  header?: string;
  certificate?: { cert: Buffer; key: Buffer };
}

/**
 * Credentials from an exec plugin (client.authentication.k8s.io v1 or v1beta1), as client-go's
 * exec authenticator provides them: the plugin runs on first use and its result is cached until
 * `status.expirationTimestamp` (wall clock) or, without one, until a 401 invalidates it.
 *
 * Guarantees: concurrent callers share one run (a caller that aborts stops waiting; the run goes
 * on for the others, bounded by the timeout); a failed run is not cached, so the next call tries
 * again; errors are ConfigErrors naming the plugin and user, with the plugin's standard error
 * (secrets redacted) or its install hint; the credential itself never reaches a message or log.
 */
export class ExecAuthenticator implements Authenticator {
  private cached: CachedCredentials | undefined;
  private running: Promise<CachedCredentials> | undefined;

  constructor(private readonly options: ExecAuthenticatorOptions) {}

  async authorization(signal?: AbortSignal): Promise<string | undefined> {
    return (await this.credentials(signal)).header;
  }

  async clientCertificate(signal?: AbortSignal): Promise<{ cert: Buffer; key: Buffer } | undefined> {
    return (await this.credentials(signal)).certificate;
  }

  async invalidate(rejected?: string): Promise<boolean> {
    // A run in progress will produce new credentials; one already replaced the rejected ones.
    if (this.running !== undefined) return true;
    if (rejected !== undefined && this.cached !== undefined && this.cached.header !== rejected) return true;
    this.cached = undefined;
    return true;
  }

  private credentials(signal: AbortSignal | undefined): Promise<CachedCredentials> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const cached = this.cached;
    if (cached !== undefined && !this.expired(cached)) return Promise.resolve(cached);
    if (this.running === undefined) {
      const run = this.run().finally(() => {
        if (this.running === run) this.running = undefined;
      });
      // Every caller may abort and leave the run unobserved; its failure is still reported to them
      // through their own promises, never as an unhandled rejection.
      run.catch(() => {});
      this.running = run;
    }
    return waitWithSignal(this.running, signal);
  }

  private expired(creds: CachedCredentials): boolean {
    const at = creds.result.expiresAt;
    return at !== undefined && this.options.clock.wallNow().getTime() >= at;
  }

  private async run(): Promise<CachedCredentials> {
    const { exec, clock, timeoutMs, logger, describe } = this.options;
    const env: NodeJS.ProcessEnv = { ...(this.options.baseEnv ?? process.env) };
    for (const { name, value } of exec.env ?? []) env[name] = value;
    env.KUBERNETES_EXEC_INFO = execInfo(exec.apiVersion, this.options.cluster);

    let output: { stdout: Buffer; stderr: string };
    try {
      output = await runExecProcess({ command: exec.command, args: exec.args ?? [], env, clock, timeoutMs });
    } catch (err) {
      if (err instanceof ExecRunError) throw this.runError(err.failure);
      throw err;
    }
    const parsed = parseExecCredential(output.stdout, exec.apiVersion);
    if ('problem' in parsed) {
      const stderr = sanitizeStderr(output.stderr);
      throw new ConfigError(
        `${describe}: exec plugin ${exec.command} ${parsed.problem}.${stderr ? ` Its standard error: ${stderr}` : ''} ` +
          `Fix the plugin or its arguments, or set exec.apiVersion to the version the plugin speaks.`,
      );
    }
    if (output.stderr.trim() !== '') {
      logger.debug('exec plugin wrote to standard error', {
        command: exec.command,
        stderr: sanitizeStderr(output.stderr),
      });
    }
    if (parsed.expiresAt !== undefined && parsed.expiresAt <= clock.wallNow().getTime()) {
      // Used once for the callers that waited; the next call runs the plugin again. A clock offset
      // between this machine and the token issuer is the usual cause.
      logger.warn('exec plugin returned credentials that have already expired', {
        command: exec.command,
        expirationTimestamp: new Date(parsed.expiresAt).toISOString(),
      });
    }
    const creds: CachedCredentials = { result: parsed };
    if (parsed.token !== undefined) creds.header = `Bearer ${parsed.token}`;
    if (parsed.cert !== undefined && parsed.key !== undefined)
      creds.certificate = { cert: parsed.cert, key: parsed.key };
    this.cached = creds;
    return creds;
  }

  private runError(failure: ExecRunFailure): ConfigError {
    const { exec, describe, timeoutMs } = this.options;
    const plugin = `${describe}: exec plugin ${exec.command}`;
    const stderrPart = (stderr: string) => {
      const text = sanitizeStderr(stderr);
      return text ? ` Its standard error: ${text}` : ' It wrote nothing to standard error.';
    };
    switch (failure.kind) {
      case 'not-found':
        return new ConfigError(
          `${plugin} was not found${exec.command.includes('/') ? '' : ' on PATH'}. ` +
            (exec.installHint?.trim() ||
              'Install the plugin, or fix exec.command in the kubeconfig (a bare name is looked up on PATH).'),
        );
      case 'not-executable':
        return new ConfigError(
          `${plugin} is not executable. Make it executable (chmod +x) or fix exec.command.`,
        );
      case 'spawn':
        return new ConfigError(
          `${plugin} could not be started (${failure.code}). Fix exec.command in the kubeconfig.`,
        );
      case 'exit':
        return new ConfigError(
          `${plugin} failed with exit code ${failure.exitCode}.${stderrPart(failure.stderr)} ` +
            'Run the plugin by hand to see what it needs (a login, a missing file, a wrong argument).',
        );
      case 'signal':
        return new ConfigError(
          `${plugin} was killed by ${failure.signal}.${stderrPart(failure.stderr)} Run the plugin by hand to see why.`,
        );
      case 'timeout':
        return new ConfigError(
          `${plugin} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.${stderrPart(failure.stderr)} ` +
            'Make sure it does not wait for input (kubekit gives plugins no terminal), or raise execTimeoutMs.',
        );
      case 'too-much-output':
        return new ConfigError(
          `${plugin} printed more than ${failure.limit} bytes on standard output, which is not an ExecCredential. Fix the plugin or its arguments.`,
        );
    }
  }
}
