/* For measurement only: an LD_PRELOAD library that turns the calls which
 * flush a file to disk into no-ops, so `nodus-cli bench save` can show what
 * the flush costs. Never ship or install this; tools/bench/save_bench.sh
 * builds it on demand for --no-sync. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

int fsync(int fd)
{
    (void)fd;
    return 0;
}

int fdatasync(int fd)
{
    (void)fd;
    return 0;
}

int sync_file_range(int fd, off_t offset, off_t nbytes, unsigned int flags)
{
    (void)fd;
    (void)offset;
    (void)nbytes;
    (void)flags;
    return 0;
}
