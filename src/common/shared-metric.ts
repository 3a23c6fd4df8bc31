import type { Registry } from 'prom-client';
import { ConfigError } from './errors.js';

/**
 * The metric registered in `registry` under `config.name`, created (and registered) on first
 * use. Several providers (or components) may share a registry, so a metric is reused rather
 * than registered twice; one of another type under that name is a configuration mistake, told
 * with the provider (`owner`) to fix.
 */
export function sharedMetric<M, C extends { name: string }>(
  registry: Registry,
  kind: new (config: C & { registers: Registry[] }) => M,
  config: C,
  owner: string,
): M {
  const existing = registry.getSingleMetric(config.name);
  if (existing === undefined) return new kind({ ...config, registers: [registry] });
  if (!(existing instanceof kind)) {
    throw new ConfigError(
      `A metric named ${config.name} of another type is already registered in this registry; ` +
        `give ${owner} a registry of its own.`,
    );
  }
  return existing;
}
