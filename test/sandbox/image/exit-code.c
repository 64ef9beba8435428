/* exit-code: the sandbox's test container. `exit-code CODE [FILE...]` reads every FILE (say, the
 * service-account token the kubelet mounted) and exits with CODE; a FILE it cannot read makes it
 * exit with 100 instead. So a test that reads CODE back from the Pod's status knows that the
 * container ran, saw its files, and that its exit status travelled back through the kubelet.
 * Built static by scripts/sandbox-build.sh and packed into an OCI image with umoci. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int code = argc > 1 ? atoi(argv[1]) : 0;
  for (int i = 2; i < argc; i++) {
    FILE *f = fopen(argv[i], "r");
    long size = 0;
    if (!f) {
      perror(argv[i]);
      return 100;
    }
    while (fgetc(f) != EOF) size++;
    fclose(f);
    printf("exit-code: read %s (%ld bytes)\n", argv[i], size);
  }
  printf("exit-code: exiting with %d\n", code);
  return code;
}
