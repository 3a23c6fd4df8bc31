import { readFileSync } from 'node:fs';
import { realClock } from '../../common/clock.js';
import type { ConfigError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import { basicAuthenticator, noAuthenticator, staticTokenAuthenticator } from './authenticator.js';
import type { Authenticator, Impersonation } from './connection-config.js';
import type { ExecClusterInfo } from './exec-credential.js';
import { ExecAuthenticator } from './exec-plugin.js';
import { opaqueIdentity } from './identity.js';
import { describeFileError, describeSource, kubeconfigError } from './messages.js';
import {
  type AuthRuntimeOptions,
  DEFAULT_EXEC_TIMEOUT_MS,
  DEFAULT_TOKEN_FILE_REFRESH_MS,
} from './options.js';
import { sharedAuthenticator } from './shared-authenticators.js';
import { decodeBase64, keyPairProblem } from './tls-material.js';
import { readTokenFileSync, TokenFileAuthenticator } from './token-file.js';
import { EXEC_API_V1, EXEC_API_V1BETA1, type ExecConfig, type NamedUser } from './types.js';

/** The user half of a ConnectionConfig, checked. */
export interface UserSettings {
  auth: Authenticator;
  cert?: Buffer;
  key?: Buffer;
  impersonate?: Impersonation;
  /** Non-secret identity of the auth configuration (feeds ConnectionConfig.identity). */
  identity: string;
}

/**
 * Turns a user entry (or none, for anonymous access) into an authenticator, a static client
 * certificate and impersonation settings. `clusterInfo` is what an exec plugin with
 * `provideClusterInfo` receives.
 *
 * Rules (client-go's, except where noted): at most one of token, tokenFile and username/password
 * (kubekit also rejects token together with tokenFile, which client-go allows); a client
 * certificate needs its key and each may come from a file or inline data but not both; a static
 * credential takes precedence over an exec plugin (which is then ignored, with a warning);
 * `auth-provider` is rejected; uid, groups and extra need `as`.
 *
 * @throws ConfigError naming the kubeconfig file, the user and the field, with the fix.
 */
export function userSettings(
  entry: NamedUser | undefined,
  clusterInfo: ExecClusterInfo,
  options: AuthRuntimeOptions,
): UserSettings {
  if (entry === undefined) return { auth: noAuthenticator(), identity: 'anonymous' };
  const { user, source } = entry;
  const describe = `${describeSource(source)}: user "${entry.name}"`;
  const fail = (problem: string, fix: string): ConfigError =>
    kubeconfigError(source, `user "${entry.name}": ${problem}`, fix);
  const clock = options.clock ?? realClock;
  const logger = options.logger ?? silentLogger;

  const provider = user['auth-provider'];
  if (provider !== undefined) {
    throw fail(
      `uses auth-provider "${provider.name}", which kubekit does not support (client-go removed the built-in providers)`,
      'Replace it with an exec credential plugin, e.g. gke-gcloud-auth-plugin for GKE or kubelogin for Azure and OIDC.',
    );
  }

  const token = user.token || undefined;
  const tokenFile = user.tokenFile || undefined;
  const username = user.username || undefined;
  const password = user.password || undefined;
  if (token !== undefined && tokenFile !== undefined) {
    throw fail(
      'sets both token and tokenFile',
      'Keep only one of them (tokenFile is re-read, so it suits rotated tokens).',
    );
  }
  if (password !== undefined && username === undefined) {
    throw fail('sets a password but no username', 'Add username, or remove password.');
  }
  if (username !== undefined && (token !== undefined || tokenFile !== undefined)) {
    throw fail('sets both a bearer token and username/password', 'Keep only one authentication method.');
  }

  const settings: Partial<UserSettings> = {};
  const pair = clientCertificate(entry, fail);
  if (pair !== undefined) {
    settings.cert = pair.cert;
    settings.key = pair.key;
  }
  const impersonate = impersonation(entry, fail);
  if (impersonate !== undefined) settings.impersonate = impersonate;

  let auth: Authenticator;
  let authIdentity: Array<string | Buffer | undefined>;
  const hasStatic =
    token !== undefined || tokenFile !== undefined || username !== undefined || pair !== undefined;
  if (user.exec !== undefined && hasStatic) {
    logger.warn('ignoring the exec plugin of a user that also has a static credential, as client-go does', {
      user: entry.name,
      source,
    });
  }
  if (token !== undefined) {
    auth = staticTokenAuthenticator(token);
    authIdentity = ['token', token];
  } else if (tokenFile !== undefined) {
    const refreshMs = options.tokenFileRefreshMs ?? DEFAULT_TOKEN_FILE_REFRESH_MS;
    const initialToken = readTokenFileSync(tokenFile, describe);
    authIdentity = ['tokenFile', tokenFile];
    auth = sharedAuthenticator(
      clock,
      opaqueIdentity(['tokenFile', tokenFile, String(refreshMs)]),
      () =>
        new TokenFileAuthenticator({
          path: tokenFile,
          clock,
          logger,
          refreshMs,
          describe: `${describe} (tokenFile)`,
          initialToken,
        }),
    );
  } else if (username !== undefined) {
    auth = basicAuthenticator(username, password ?? '');
    authIdentity = ['basic', username, password ?? ''];
  } else if (user.exec !== undefined && pair === undefined) {
    const exec = checkedExec(user.exec, fail);
    const cluster = exec.provideClusterInfo === true ? clusterInfo : undefined;
    const timeoutMs = options.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const config = JSON.stringify([exec, cluster ?? null, timeoutMs]);
    authIdentity = ['exec', config];
    auth = sharedAuthenticator(
      clock,
      opaqueIdentity(['exec', config]),
      () =>
        new ExecAuthenticator({
          exec,
          describe,
          clock,
          logger,
          timeoutMs,
          ...(cluster !== undefined ? { cluster } : {}),
        }),
    );
  } else {
    auth = noAuthenticator();
    authIdentity = ['none'];
  }

  const identity = opaqueIdentity([
    ...authIdentity,
    settings.cert,
    settings.key,
    JSON.stringify(settings.impersonate ?? null),
  ]);
  return { ...settings, auth, identity };
}

function clientCertificate(
  entry: NamedUser,
  fail: (problem: string, fix: string) => ConfigError,
): { cert: Buffer; key: Buffer } | undefined {
  const { user } = entry;
  const certFile = user['client-certificate'] || undefined;
  const certData = user['client-certificate-data'] || undefined;
  const keyFile = user['client-key'] || undefined;
  const keyData = user['client-key-data'] || undefined;
  if (certFile === undefined && certData === undefined && keyFile === undefined && keyData === undefined) {
    return undefined;
  }
  if (certFile !== undefined && certData !== undefined) {
    throw fail('sets both client-certificate and client-certificate-data', 'Remove one of them.');
  }
  if (keyFile !== undefined && keyData !== undefined) {
    throw fail('sets both client-key and client-key-data', 'Remove one of them.');
  }
  if (certFile === undefined && certData === undefined) {
    throw fail(
      'has a client key but no client certificate',
      'Add client-certificate or client-certificate-data.',
    );
  }
  if (keyFile === undefined && keyData === undefined) {
    throw fail('has a client certificate but no client key', 'Add client-key or client-key-data.');
  }
  const load = (file: string | undefined, data: string | undefined, fileField: string, dataField: string) => {
    if (data !== undefined) {
      const buf = decodeBase64(data);
      if (buf === undefined)
        throw fail(`${dataField} is not valid base64`, `Set ${dataField} to the base64 of the PEM file.`);
      return { buf, label: dataField };
    }
    try {
      return { buf: readFileSync(file!), label: `${fileField} ${file}` };
    } catch (err) {
      throw fail(
        `${fileField} ${file} could not be read (${describeFileError(err)})`,
        `Fix the path, or inline the PEM with ${dataField}.`,
      );
    }
  };
  const cert = load(certFile, certData, 'client-certificate', 'client-certificate-data');
  const key = load(keyFile, keyData, 'client-key', 'client-key-data');
  const problem = keyPairProblem(cert.buf, key.buf);
  if (problem?.cert !== undefined)
    throw fail(`${cert.label} ${problem.cert}`, 'Point it at the PEM client certificate.');
  if (problem?.key !== undefined)
    throw fail(`${key.label} ${problem.key}`, 'Point it at the unencrypted PEM client key.');
  if (problem?.pair !== undefined) {
    throw fail(
      `${problem.pair} (${cert.label}, ${key.label})`,
      'Use the key that was generated with this certificate.',
    );
  }
  return { cert: cert.buf, key: key.buf };
}

function impersonation(
  entry: NamedUser,
  fail: (problem: string, fix: string) => ConfigError,
): Impersonation | undefined {
  const { user } = entry;
  const as = user.as || undefined;
  const uid = user['as-uid'] || undefined;
  const groups = user['as-groups'] ?? [];
  const extra = user['as-user-extra'] ?? {};
  const hasExtra = Object.keys(extra).length > 0;
  if (as === undefined) {
    if (uid !== undefined || groups.length > 0 || hasExtra) {
      throw fail('sets as-uid, as-groups or as-user-extra without as', 'Add as: <user to impersonate>.');
    }
    return undefined;
  }
  const imp: Impersonation = { user: as };
  if (uid !== undefined) imp.uid = uid;
  if (groups.length > 0) imp.groups = [...groups];
  if (hasExtra) imp.extra = structuredClone(extra);
  return imp;
}

function checkedExec(exec: ExecConfig, fail: (problem: string, fix: string) => ConfigError): ExecConfig {
  if (exec.command === '')
    throw fail('exec has no command', 'Set exec.command to the credential plugin to run.');
  if (exec.apiVersion === '') {
    throw fail('exec has no apiVersion', `Set exec.apiVersion to ${EXEC_API_V1} (or ${EXEC_API_V1BETA1}).`);
  }
  if (exec.apiVersion !== EXEC_API_V1 && exec.apiVersion !== EXEC_API_V1BETA1) {
    throw fail(
      `exec.apiVersion "${exec.apiVersion}" is not supported`,
      `Use ${EXEC_API_V1} or ${EXEC_API_V1BETA1} (v1alpha1 was removed from Kubernetes).`,
    );
  }
  (exec.env ?? []).forEach((v, i) => {
    if (v.name === '') throw fail(`exec.env[${i}] has no name`, 'Give every exec.env entry a name.');
  });
  let mode = exec.interactiveMode;
  if (mode === undefined) {
    // client-go defaults only v1beta1; v1 made the field required.
    if (exec.apiVersion === EXEC_API_V1BETA1) mode = 'IfAvailable';
    else
      throw fail(
        'exec.interactiveMode is required for exec.apiVersion v1',
        'Add interactiveMode: Never (or IfAvailable).',
      );
  }
  if (mode !== 'Never' && mode !== 'IfAvailable' && mode !== 'Always') {
    throw fail(`exec.interactiveMode "${mode}" is not valid`, 'Use Never, IfAvailable or Always.');
  }
  if (mode === 'Always') {
    throw fail(
      'exec.interactiveMode is Always, so the plugin needs a terminal, but kubekit runs plugins without one',
      'Use a plugin mode that works without input (interactiveMode: Never or IfAvailable), or log in first so the plugin need not prompt.',
    );
  }
  return { ...exec, interactiveMode: mode };
}
