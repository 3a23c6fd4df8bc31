// Public API of kubekit/controller; grows as the area is built (see the issues).
export {};
