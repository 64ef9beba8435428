/* exit-code: the sandbox's test container. Exits at once with the status given as its first
 * argument (0 without one), so a test can read a container's exit code back from the Pod. Built
 * static by scripts/sandbox-build.sh and packed into an OCI image with umoci. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int code = argc > 1 ? atoi(argv[1]) : 0;
  printf("exit-code: exiting with %d\n", code);
  return code;
}
