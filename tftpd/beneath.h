/*
 * Opening a path beneath a directory and never outside it, as openat2()
 * with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS does, and the same walk by
 * hand where openat2() is missing: Linux before 5.6, a seccomp filter
 * that refuses it (older container runtimes), or valgrind before 3.21.
 */
#ifndef RACKNET_BENEATH_H
#define RACKNET_BENEATH_H

#include <stdbool.h>

#define BENEATH_LINKS_MAX 40	/* symlinks followed per open, as Linux */
#define BENEATH_DEPTH_MAX 64	/* directories deep (walk only) */

/*
 * open(path, flags) resolved beneath dirfd: a descriptor, or -1 with
 * errno. walk false: openat2() (ENOSYS or EPERM where it is missing);
 * walk true: component by component from dirfd, each through openat()
 * with O_NOFOLLOW on descriptors already beneath it, symlinks followed by
 * hand. Both refuse with EXDEV an absolute path, an absolute symlink and
 * a ".." above dirfd; with ELOOP more than BENEATH_LINKS_MAX symlinks.
 * The walk also gives ENAMETOOLONG past BENEATH_DEPTH_MAX directories,
 * and cannot see a directory renamed out from under it mid-walk (openat2
 * can); O_CLOEXEC is always added.
 */
int beneath_open(int dirfd, const char *path, int flags, bool walk);

#endif
