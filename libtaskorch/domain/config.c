/* config.c - settings kept in the store, and durations. */
#include <limits.h>
#include <stdlib.h>

#include "internal.h"
#include "store.h"

int taskorch_duration_parse(int64_t *out, const char *text)
{
    if (!out)
        return TASKORCH_EINVAL;
    *out = 0;
    if (!text || *text < '0' || *text > '9')
        return TASKORCH_EINVAL;
    int64_t n = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (INT64_MAX - 9) / 10)
            return TASKORCH_EINVAL;
        n = n * 10 + (*p - '0');
    }
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (!strcmp(p, units[i].unit)) {
            if (n == 0 || n > INT64_MAX / units[i].ms)
                return TASKORCH_EINVAL;
            *out = n * units[i].ms;
            return TASKORCH_OK;
        }
    return TASKORCH_EINVAL;
}

static int check_setting(taskorch_db *db, const char *key, const char *value)
{
    if (!key || strcmp(key, "lease"))
        return db_fail(db, TASKORCH_EINVAL, "unknown setting '%.64s'; known settings: lease",
                       key ? key : "(null)");
    int64_t ms;
    if (value && strcmp(value, "none") && taskorch_duration_parse(&ms, value))
        return db_fail(db, TASKORCH_EINVAL,
                       "lease '%.64s' is not a duration; use e.g. 90s, 15m, 2h or none", value);
    return TASKORCH_OK;
}

int config_read(taskorch_db *db, const char *key, char **out)
{
    return db->ops->config_get(db, key, out);
}

int taskorch_config_get(char **out, taskorch_db *db, const char *key)
{
    if (out)
        *out = NULL;
    if (!out || !db)
        return TASKORCH_EINVAL;
    int rc = check_setting(db, key, NULL);
    return rc ? rc : config_read(db, key, out);
}

int taskorch_config_set(taskorch_db *db, const char *key, const char *value)
{
    if (!db)
        return TASKORCH_EINVAL;
    int rc = check_setting(db, key, value);
    if (rc || (rc = db_begin(db)))
        return rc;
    if ((rc = db->ops->config_set(db, key, value)))
        return db_rollback(db, rc);
    return db_commit(db);
}
