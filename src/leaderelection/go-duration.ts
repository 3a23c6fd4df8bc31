import { ConfigError } from '../common/errors.js';

// Milliseconds per unit, as Go's time.ParseDuration knows them (both spellings of micro).
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const COMPONENT = /^(\d*)(?:\.(\d*))?([^\d.]+)/u;

/**
 * Parses a Go duration string (`15s`, `1m30s`, `1.5h`, `300ms`, `-2m`, `0`) the way Go's
 * `time.ParseDuration` does, returning milliseconds (fractional below 1 ms). Components need a
 * unit (ns, us, µs, ms, s, m, h) except a bare `0`. Throws ConfigError saying what is wrong with
 * anything else (`15`, `1x`, `''`, `1.2.3s`).
 */
export function parseGoDuration(text: string): number {
  if (typeof text !== 'string')
    throw new ConfigError(`A duration must be a string like "15s", got ${typeof text}.`);
  const bad = (why: string) =>
    new ConfigError(`Invalid duration ${JSON.stringify(text)}: ${why}; write it like 15s, 1m30s or 500ms.`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw bad('it is empty');
  let total = 0;
  while (rest !== '') {
    const m = COMPONENT.exec(rest);
    if (!m) {
      throw bad(/^[\d.]+$/.test(rest) ? 'a number needs a unit' : `cannot read ${JSON.stringify(rest)}`);
    }
    const [whole, int = '', frac, unit = ''] = m;
    if (int === '' && (frac === undefined || frac === '')) throw bad('a unit needs a number before it');
    const perUnit = UNIT_MS[unit];
    if (perUnit === undefined) throw bad(`unknown unit ${JSON.stringify(unit)}`);
    total += Number(`${int || '0'}.${frac || '0'}`) * perUnit;
    rest = rest.slice(whole.length);
  }
  // Go's limit: durations are int64 nanoseconds (about 292 years).
  if (total > 9_223_372_036_854.775) throw bad('it overflows (more than about 292 years)');
  return sign * total;
}

/** Formats milliseconds as a short Go-style duration (`15s`, `1m30s`, `500ms`) for messages. */
export function formatGoDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${+rest.toFixed(3)}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = +(rest / 1000).toFixed(3);
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
