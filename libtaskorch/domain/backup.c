/* backup.c - a consistent copy of a store while agents keep writing.
 *
 * SQLite's online backup copies every page inside one read transaction
 * (WAL: writers go on meanwhile) into a private temporary file beside the
 * target, which then takes the target's name in one step: link() when the
 * target must not exist (it fails if it does, with no window for a race),
 * rename() when it may be replaced. A reader of the target never sees half
 * a copy, and no link at either name is followed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "store.h"

static char *temp_name(const char *path)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (tmp)
        snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    return tmp;
}

/* Creates tmp exclusively, 0600; an old entry of that name (a crash of a
 * process with our pid, or a planted link) is removed, never opened. */
static int create_temp(taskorch_db *db, const char *tmp, const char *path)
{
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = open(tmp, flags, 0600);
    if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
        fd = open(tmp, flags, 0600);
    if (fd < 0) {
        int e = errno;
        return db_fail(db, TASKORCH_ESTORE, "cannot create %s: %s", path,
                       e == ENOENT || e == ENOTDIR ? "its folder does not exist" : strerror(e));
    }
    close(fd);
    return TASKORCH_OK;
}

static int publish(taskorch_db *db, const char *tmp, const char *path, unsigned int flags)
{
    if (flags & TASKORCH_FORCE) {
        if (rename(tmp, path) == 0)
            return TASKORCH_OK;
        return db_fail(db, TASKORCH_ESTORE, "cannot replace %s: %s", path, strerror(errno));
    }
    int rc = TASKORCH_OK;
    if (link(tmp, path) != 0)
        rc = errno == EEXIST
                 ? db_fail(db, TASKORCH_EINVAL, "%s exists already", path)
                 : db_fail(db, TASKORCH_ESTORE, "cannot create %s: %s", path, strerror(errno));
    unlink(tmp);
    return rc;
}

int taskorch_db_backup(taskorch_db *db, const char *path, unsigned int flags)
{
    if (!db)
        return TASKORCH_EINVAL;
    if (!path || !*path)
        return db_fail(db, TASKORCH_EINVAL, "no backup file named");
    if (flags & ~TASKORCH_FORCE)
        return db_fail(db, TASKORCH_EINVAL, "unknown backup flags 0x%x", flags);
    struct stat sb;
    if (!(flags & TASKORCH_FORCE) && lstat(path, &sb) == 0) /* early, for a clear message */
        return db_fail(db, TASKORCH_EINVAL, "%s exists already", path);
    char *tmp = temp_name(path);
    if (!tmp)
        return db_fail(db, TASKORCH_ENOMEM, "out of memory");
    int rc = create_temp(db, tmp, path);
    if (!rc && (rc = db->ops->backup(db, tmp)) == TASKORCH_OK)
        rc = publish(db, tmp, path, flags);
    if (rc) {
        unlink(tmp);
        char side[4200]; /* SQLite's rollback journal of the copy, if any */
        if (snprintf(side, sizeof side, "%s-journal", tmp) < (int)sizeof side)
            unlink(side);
    }
    free(tmp);
    return rc;
}
