/**
 * A configuration mistake the user has to fix (a malformed kubeconfig, invalid options, a
 * missing tool). The message is a sentence that says what is wrong and what to do.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
