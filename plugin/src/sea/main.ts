// Entry of the single executable application (SEA): the same CLI as bin/kubectl-certs.js, without
// the Node version guard (the executable carries its own Node). `root` is only a folder name for
// oclif; nothing is read from it.
import { dirname } from 'node:path';
import { main } from '../main.ts';

void main(process.argv.slice(2), dirname(process.execPath));
