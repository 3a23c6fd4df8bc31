// Public API of kubekit/informers; grows as the area is built (see the issues).
export {};
