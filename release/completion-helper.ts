/**
 * kubectl 1.26+ completes "kubectl certs ARGS" by running an executable named kubectl_complete-certs
 * with ARGS, and reads Cobra's answer, which kubectl-certs gives as "kubectl-certs __complete ARGS".
 * krew links only one executable per plugin, so the archives carry this helper for the user to link.
 */
export function completionHelper(os: 'linux' | 'darwin' | 'windows'): { name: string; text: string } {
  if (os === 'windows')
    return {
      name: 'kubectl_complete-certs.cmd',
      text: '@echo off\r\nrem kubectl 1.26+ runs this to complete "kubectl certs ..." arguments.\r\nkubectl-certs.exe __complete %*\r\n',
    };
  return {
    name: 'kubectl_complete-certs',
    text: '#!/bin/sh\n# kubectl 1.26+ runs this to complete "kubectl certs ..." arguments.\nexec kubectl-certs __complete "$@"\n',
  };
}
