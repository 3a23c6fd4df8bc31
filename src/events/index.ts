// Public API of kubekit/events; grows as the area is built (see the issues).
export {};
