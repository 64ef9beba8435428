#!/usr/bin/env node
// kubectl 1.26+ completes "kubectl certs ARGS" by running "kubectl_complete-certs ARGS" and reading
// a Cobra-style answer, which the CLI gives as "kubectl-certs __complete ARGS".
process.argv.splice(2, 0, '__complete');
await import('./kubectl-certs.js');
