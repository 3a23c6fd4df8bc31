/**
 * kubekit: Kubernetes controller machinery for TypeScript. The root entry re-exports the pieces
 * most programs need; each area also has its own subpath (`kubekit/client`, `kubekit/informers`,
 * `kubekit/workqueue`, `kubekit/leaderelection`, `kubekit/events`, `kubekit/controller`,
 * `kubekit/testing`).
 *
 * @module kubekit
 */

export * from './client/index.js';
export { type Clock, type ClockTimer, realClock } from './common/clock.js';
export { ConfigError } from './common/errors.js';
export { type Logger, silentLogger } from './common/logger.js';
