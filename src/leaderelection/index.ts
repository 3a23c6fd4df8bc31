// Public API of kubekit/leaderelection; grows as the area is built (see the issues).
export {};
