// Public API of kubekit/testing: helpers for tests against a real control plane.
export {};
