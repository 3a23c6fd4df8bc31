// A tiny program for helpers-shutdown-signal.test.ts: run with `node --import tsx`.
// Usage: helpers-shutdown-child.ts <exit|linger>
// Prints one JSON line per event on stdout: {"ev":"ready"} once shutdownSignal() is in place,
// {"ev":"aborted","reason":"…","isError":true} when the signal aborts. In `exit` mode it then
// lets the event loop drain (exit code 0 unless something else ends it); in `linger` mode it keeps
// running, as a program whose shutdown takes long would. It exits 3 if its stdin closes (the
// test died), so it never outlives the test.
import { shutdownSignal } from '../../../src/controller/index.js';

const mode = process.argv[2] === 'linger' ? 'linger' : 'exit';
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

const keepAlive = setInterval(() => {}, 1000);
process.stdin.on('end', () => process.exit(3));
process.stdin.resume();

const signal = shutdownSignal();
signal.addEventListener('abort', () => {
  const reason: unknown = signal.reason;
  emit({
    ev: 'aborted',
    reason: reason instanceof Error ? reason.message : String(reason),
    isError: reason instanceof Error,
  });
  if (mode === 'exit') {
    clearInterval(keepAlive);
    process.stdin.pause();
    process.stdin.destroy();
  }
});
emit({ ev: 'ready', aborted: signal.aborted });
