export * from './api.ts';
export * from './cluster.ts';
export * from './fake-kubelet.ts';
export * from './kubeconfig.ts';
export * from './node-identity.ts';
export * from './paths.ts';
export * from './real-node.ts';
export * from './serving-csr.ts';
