/* SPDX-License-Identifier: MIT */
/* tests/valgrind/planted_error.c: a positive control for run_valgrind.sh, reading one element past
 * a heap block in a child process that it re-executes, as Criterion does with its tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    int *p = malloc(4 * sizeof *p);
    int sum = 0, i;
    if (p == NULL)
      return 2;
    for (i = 0; i < 4; i++)
      p[i] = i;
    for (i = 0; i <= 4; i++) /* one past the end */
      sum += p[i];
    free(p);
    printf("child sum %d\n", sum);
    return 0;
  }
  pid_t pid = fork();
  if (pid == 0) {
    execl(argv[0], argv[0], "child", (char *)NULL);
    _exit(3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return 0; /* like Criterion, the parent does not pass the child's memcheck errors on */
}
