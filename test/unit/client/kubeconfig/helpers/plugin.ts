import { readFileSync } from 'node:fs';
import type { TempDir } from './tmp.js';

/**
 * A fake credential plugin (a POSIX shell script) driven by files, so a test can change its answer
 * between runs and inspect what it was given:
 * - prints the content of `responseFile` and exits with the content of `exitCodeFile` (default 0);
 * - appends a line to `countFile` per run, and records its KUBERNETES_EXEC_INFO, arguments and
 *   selected environment variables;
 * - writes `$STDERR_TEXT` to standard error; waits for `$WAIT_FOR` to exist when set.
 */
export interface FakePlugin {
  command: string;
  /** `exec.env` entries that point the script at its files. */
  env: Array<{ name: string; value: string }>;
  respond(body: string | object): void;
  exitWith(code: number): void;
  runs(): number;
  execInfo(): unknown;
  args(): string[];
  /** Value of the environment variable `PLUGIN_SEES` as the script saw it. */
  sawEnv(): string;
}

const SCRIPT = `#!/bin/sh
echo run >> "$COUNT_FILE"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_FILE"
: > "$ARGS_FILE"
for a in "$@"; do printf '%s\\n' "$a" >> "$ARGS_FILE"; done
printf '%s' "$PLUGIN_SEES" > "$ENV_FILE"
if [ -n "$STDERR_TEXT" ]; then printf '%s' "$STDERR_TEXT" >&2; fi
if [ -n "$WAIT_FOR" ]; then while [ ! -f "$WAIT_FOR" ]; do sleep 0.02; done; fi
cat "$RESPONSE_FILE"
code=0
if [ -f "$EXIT_FILE" ]; then code=$(cat "$EXIT_FILE"); fi
exit "$code"
`;

export function makeFakePlugin(tmp: TempDir, name = 'plugin'): FakePlugin {
  const command = tmp.write(`${name}/get-credential`, SCRIPT, 0o755);
  const file = (rel: string) => tmp.path(`${name}/${rel}`);
  tmp.write(`${name}/response.json`, '');
  const env = [
    { name: 'COUNT_FILE', value: file('count') },
    { name: 'INFO_FILE', value: file('info.json') },
    { name: 'ARGS_FILE', value: file('args') },
    { name: 'ENV_FILE', value: file('env') },
    { name: 'RESPONSE_FILE', value: file('response.json') },
    { name: 'EXIT_FILE', value: file('exit') },
  ];
  const read = (rel: string) => {
    try {
      return readFileSync(file(rel), 'utf8');
    } catch {
      return '';
    }
  };
  return {
    command,
    env,
    respond: (body) =>
      tmp.write(`${name}/response.json`, typeof body === 'string' ? body : JSON.stringify(body)),
    exitWith: (code) => tmp.write(`${name}/exit`, String(code)),
    runs: () => read('count').split('\n').filter(Boolean).length,
    execInfo: () => JSON.parse(read('info.json')),
    args: () => read('args').split('\n').filter(Boolean),
    sawEnv: () => read('env'),
  };
}

/** An ExecCredential as a plugin prints it. */
export function execCredential(status: object, apiVersion = 'client.authentication.k8s.io/v1'): object {
  return { apiVersion, kind: 'ExecCredential', status };
}
