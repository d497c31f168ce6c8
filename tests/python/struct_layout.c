/* struct_layout.c - prints the size and field offsets of every options
 * struct in taskorch.h, one struct per line:
 *     NAME SIZE FIELD:OFFSET FIELD:OFFSET ...
 * The Python tests compare them with the ctypes.Structure twins. */
#include <stddef.h>
#include <stdio.h>

#include <taskorch.h>

#define F(s, f) printf(" %s:%zu", #f, offsetof(s, f))
#define BEGIN(s) printf("%s %zu", #s, sizeof(s))
#define END() putchar('\n')

int main(void)
{
    BEGIN(taskorch_open_options);
    F(taskorch_open_options, version);
    F(taskorch_open_options, flags);
    F(taskorch_open_options, busy_timeout_ms);
    F(taskorch_open_options, agent);
    F(taskorch_open_options, default_lease_ms);
    END();

    BEGIN(taskorch_write_options);
    F(taskorch_write_options, version);
    F(taskorch_write_options, request_id);
    F(taskorch_write_options, claim);
    F(taskorch_write_options, flags);
    END();

    BEGIN(taskorch_task_spec);
    F(taskorch_task_spec, version);
    F(taskorch_task_spec, title);
    F(taskorch_task_spec, description);
    F(taskorch_task_spec, priority);
    F(taskorch_task_spec, assignee);
    F(taskorch_task_spec, tags);
    F(taskorch_task_spec, n_tags);
    F(taskorch_task_spec, files);
    F(taskorch_task_spec, n_files);
    F(taskorch_task_spec, depends_on);
    F(taskorch_task_spec, n_depends_on);
    F(taskorch_task_spec, estimate);
    END();

    BEGIN(taskorch_task_change);
    F(taskorch_task_change, version);
    F(taskorch_task_change, title);
    F(taskorch_task_change, description);
    F(taskorch_task_change, priority);
    F(taskorch_task_change, status);
    F(taskorch_task_change, assignee);
    F(taskorch_task_change, add_tags);
    F(taskorch_task_change, n_add_tags);
    F(taskorch_task_change, remove_tags);
    F(taskorch_task_change, n_remove_tags);
    F(taskorch_task_change, add_files);
    F(taskorch_task_change, n_add_files);
    F(taskorch_task_change, summary);
    F(taskorch_task_change, flags);
    F(taskorch_task_change, estimate);
    END();

    BEGIN(taskorch_claim_options);
    F(taskorch_claim_options, version);
    F(taskorch_claim_options, tag);
    F(taskorch_claim_options, priority);
    F(taskorch_claim_options, lease_ms);
    F(taskorch_claim_options, flags);
    F(taskorch_claim_options, wait_ms);
    END();

    BEGIN(taskorch_task_query);
    F(taskorch_task_query, version);
    F(taskorch_task_query, statuses);
    F(taskorch_task_query, assignee);
    F(taskorch_task_query, tag);
    F(taskorch_task_query, priority);
    F(taskorch_task_query, limit);
    F(taskorch_task_query, sort);
    F(taskorch_task_query, flags);
    END();

    BEGIN(taskorch_msg_query);
    F(taskorch_msg_query, version);
    F(taskorch_msg_query, kinds);
    F(taskorch_msg_query, since);
    F(taskorch_msg_query, limit);
    END();

    BEGIN(taskorch_event_query);
    F(taskorch_event_query, version);
    F(taskorch_event_query, after);
    F(taskorch_event_query, task);
    F(taskorch_event_query, kinds);
    F(taskorch_event_query, n_kinds);
    F(taskorch_event_query, limit);
    F(taskorch_event_query, flags);
    END();
    return 0;
}
