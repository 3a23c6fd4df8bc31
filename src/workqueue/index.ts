// Public API of kubekit/workqueue; grows as the area is built (see the issues).
export {};
