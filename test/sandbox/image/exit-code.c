/* exit-code: the sandbox's test container. `exit-code CODE [ARG...]` checks every ARG and exits
 * with CODE when all pass: a path must be a readable file (say, the service-account token the
 * kubelet mounted; else exit 100), and tcp:HOST:PORT must accept a TCP connection (say, the API
 * server; else exit 101). So a test that reads CODE back from the Pod's status knows that the
 * container ran, saw its files, reached its peers, and that its exit status travelled back
 * through the kubelet. Built static by scripts/sandbox-build.sh, packed into an OCI image by umoci.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int readable(const char *path) {
  FILE *f = fopen(path, "r");
  long size = 0;
  if (!f) {
    perror(path);
    return 0;
  }
  while (fgetc(f) != EOF) size++;
  fclose(f);
  printf("exit-code: read %s (%ld bytes)\n", path, size);
  return 1;
}

/* host is an IPv4 address (the container has no resolver configured). */
static int connects(const char *spec) {
  char host[64];
  const char *colon = strrchr(spec, ':');
  struct sockaddr_in addr = {.sin_family = AF_INET};
  int fd, ok;
  if (!colon || (size_t)(colon - spec) >= sizeof host) return 0;
  memcpy(host, spec, colon - spec);
  host[colon - spec] = 0;
  addr.sin_port = htons(atoi(colon + 1));
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) return 0;
  fd = socket(AF_INET, SOCK_STREAM, 0);
  ok = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
  if (!ok) perror(spec);
  if (fd >= 0) close(fd);
  if (ok) printf("exit-code: connected to %s\n", spec);
  return ok;
}

int main(int argc, char **argv) {
  int code = argc > 1 ? atoi(argv[1]) : 0;
  for (int i = 2; i < argc; i++) {
    if (strncmp(argv[i], "tcp:", 4) == 0) {
      if (!connects(argv[i] + 4)) return 101;
    } else if (!readable(argv[i])) {
      return 100;
    }
  }
  printf("exit-code: exiting with %d\n", code);
  return code;
}
