import type { Metric, Registry } from 'prom-client';
import { ConfigError } from './errors.js';

/**
 * The metric already registered under `name`, if any. Several providers (or components) may
 * share a registry, so a metric is reused rather than registered twice; one of another type
 * under that name is a configuration mistake, told with the provider (`owner`) to fix.
 */
export function registeredMetric<M>(
  registry: Registry,
  name: string,
  kind: abstract new (...args: never[]) => M,
  owner: string,
): M | undefined {
  const metric: Metric<string> | undefined = registry.getSingleMetric(name);
  if (metric === undefined) return undefined;
  if (!(metric instanceof kind)) {
    throw new ConfigError(
      `A metric named ${name} of another type is already registered in this registry; ` +
        `give ${owner} a registry of its own.`,
    );
  }
  return metric;
}
