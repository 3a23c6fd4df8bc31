// Public API of kubekit/client; grows as the area is built (see the issues).
export {};
