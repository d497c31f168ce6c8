/* tm.c - the tm program. A write beyond the file size limit (ulimit -f)
 * raises SIGXFSZ, which would kill tm even after its commit; ignored, the
 * write fails with EFBIG and tm reports a store error instead. */
#include <signal.h>

#include "cli.h"

int main(int argc, char **argv)
{
    signal(SIGXFSZ, SIG_IGN);
    return tm_main(argc, argv);
}
