/*
 * Runs one command and prints, on the file named by its first argument, the command's wall time
 * (fork to reap, monotonic clock), user and system CPU and peak RSS of the command and its
 * waited-for descendants (wait4's rusage, microsecond resolution; GNU time prints only 10 ms).
 * The bench compiles this once (bench/process.ts) so that a ~50 ms process is measured exactly,
 * without the bench's own runtime in the figure.  Usage: rusage-run OUT COMMAND [ARG...]
 * OUT: "wall_us user_us system_us maxrss_kib exit_status"
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long micros(const struct timeval *tv) { return (long long)tv->tv_sec * 1000000LL + tv->tv_usec; }

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: rusage-run OUT COMMAND [ARG...]\n");
    return 2;
  }
  struct timespec started, ended;
  clock_gettime(CLOCK_MONOTONIC, &started);
  pid_t child = fork();
  if (child < 0) { perror("fork"); return 2; }
  if (child == 0) {
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  if (wait4(child, &status, 0, &usage) < 0) { perror("wait4"); return 2; }
  clock_gettime(CLOCK_MONOTONIC, &ended);
  long long wall = (ended.tv_sec - started.tv_sec) * 1000000LL + (ended.tv_nsec - started.tv_nsec) / 1000;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE *out = fopen(argv[1], "w");
  if (!out) { perror(argv[1]); return 2; }
  fprintf(out, "%lld %lld %lld %ld %d\n", wall, micros(&usage.ru_utime), micros(&usage.ru_stime), usage.ru_maxrss, code);
  fclose(out);
  return code;
}
