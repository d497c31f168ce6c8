/* safefs.c - files beside the store, written without trusting the folder:
 * everything is opened relative to a folder descriptor, no symbolic link is
 * ever followed, new files are created exclusively (O_EXCL) and private
 * (0600, folders 0700), nothing is opened that could block (a FIFO, a lock
 * held by someone else), and every wait is bounded. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

const char *fs_strerror(int err)
{
    switch (err) {
    case FS_ESYMLINK: return "is a symbolic link";
    case FS_ENOTDIR: return "is not a folder";
    case FS_ENOTREG: return "is not a regular file";
    case FS_EOWNER: return "is owned by another user";
    case FS_ELOCKED: return "is locked by another process";
    default: return strerror(err);
    }
}

/* Why openat(dirfd, name, O_NOFOLLOW...) failed with errno e. */
static int open_error(int dirfd, const char *name, int e)
{
    struct stat sb;
    if ((e == ELOOP || e == ENOTDIR) && fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
        return S_ISLNK(sb.st_mode) ? FS_ESYMLINK : S_ISDIR(sb.st_mode) ? e : FS_ENOTDIR;
    return e;
}

int fs_open_dir(int dirfd, const char *name, bool create, int *out)
{
    *out = -1;
    if (create && mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST)
        return errno;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return open_error(dirfd, name, errno);
    struct stat sb;
    int err = fstat(fd, &sb) != 0 ? errno : sb.st_uid != geteuid() ? FS_EOWNER : 0;
    if (err) {
        close(fd);
        return err;
    }
    *out = fd;
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int fs_write_file(int dirfd, const char *name, const char *data, size_t len)
{
    char tmp[512];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", name, (long)getpid()) >= (int)sizeof tmp)
        return ENAMETOOLONG;
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    int fd = openat(dirfd, tmp, flags, 0600);
    if (fd < 0 && errno == EEXIST) {
        /* Left by a process that died with our pid, or planted. Callers hold
         * the mirror lock, so no live writer owns it; unlinkat removes the
         * entry itself (a link, never its target) and O_EXCL never opens it. */
        if (unlinkat(dirfd, tmp, 0) == 0 || errno == ENOENT)
            fd = openat(dirfd, tmp, flags, 0600);
        else
            return errno;
    }
    if (fd < 0)
        return errno;
    int err = write_all(fd, data, len);
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && renameat(dirfd, tmp, dirfd, name) != 0)
        err = errno;
    if (err)
        unlinkat(dirfd, tmp, 0);
    return err;
}

int fs_remove(int dirfd, const char *name)
{
    /* unlinkat never follows a link: a link named name is itself removed. */
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
        return 0;
    return errno;
}

int fs_lock(int dirfd, const char *name, int timeout_ms, int *out)
{
    *out = -1;
    int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    if (fd < 0)
        return open_error(dirfd, name, errno);
    struct stat sb;
    int err = fstat(fd, &sb) != 0      ? errno
              : !S_ISREG(sb.st_mode)   ? FS_ENOTREG
              : sb.st_uid != geteuid() ? FS_EOWNER
                                       : 0;
    /* Poll: flock has no timeout. Sleeps grow from 1 ms to 16 ms. */
    int64_t deadline = now_us() + (int64_t)timeout_ms * 1000;
    for (long sleep_us = 1000; !err; sleep_us = sleep_us < 16000 ? sleep_us * 2 : sleep_us) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            *out = fd;
            return 0;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            err = errno;
            break;
        }
        int64_t left = deadline - now_us();
        if (left <= 0) {
            err = FS_ELOCKED;
            break;
        }
        long us = left < sleep_us ? (long)left : sleep_us;
        struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
        nanosleep(&ts, NULL);
    }
    close(fd);
    return err;
}

void fs_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}
