/* stress_gate.c - the start line of the race tests.
 *
 * usage: stress_gate FD PROGRAM [ARG...]
 *
 * Blocks until it can read one byte from file descriptor FD, then execs
 * PROGRAM. Creating a process is slow and serial (a test that simply
 * spawned 50 tm processes would mostly run them one after another), so a
 * test first parks every racer here, then writes one byte per racer to
 * the pipe: they all leave the line together and really contend.
 *
 * Exit 125 without running PROGRAM when the pipe is closed first (the test
 * gave up); 126 when PROGRAM cannot be executed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: stress_gate FD PROGRAM [ARG...]\n");
        return 125;
    }
    int fd = atoi(argv[1]);
    char byte;
    ssize_t n;
    do
        n = read(fd, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        return 125;
    close(fd);
    execv(argv[2], argv + 2);
    perror("stress_gate: exec");
    return 126;
}
