/* fake_version.c - a library that claims to be libtaskorch 99.0.0, so the
 * bindings' version check can be seen refusing it. */
int taskorch_version_number(void);

int taskorch_version_number(void)
{
    return 990000;
}
