/* runcmd.c - runs one command and reports its wall time and peak memory.
 *
 * usage: runcmd PROG [ARG...]
 *
 * Spawns PROG with standard output discarded (standard error inherited),
 * waits for it, and prints one line: "NANOSECONDS MAXRSS_KIB EXIT_CODE"
 * (EXIT_CODE is 128 + the signal number when it was killed).
 *
 * Why a C launcher: the kernel records the launching process's memory
 * high-water mark into the child's ru_maxrss when the child calls exec, so
 * a child spawned from a Python benchmark reports at least the
 * interpreter's RSS (10+ MiB). Spawned from this small program, the figure
 * is tm's own. The timed interval is spawn to reaped, as a shell pays it. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: runcmd PROG [ARG...]\n");
        return 2;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid;
    int err = posix_spawn(&pid, argv[1], &fa, NULL, argv + 1, environ);
    if (err) {
        fprintf(stderr, "runcmd: cannot run %s\n", argv[1]);
        return 1;
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) {
        perror("runcmd: wait4");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    posix_spawn_file_actions_destroy(&fa);
    long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("%lld %ld %d\n", ns, ru.ru_maxrss, code);
    return 0;
}
