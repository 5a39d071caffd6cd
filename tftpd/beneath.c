/*
 * beneath.h: openat2(RESOLVE_BENEATH), and the same walk by hand.
 *
 * The walk keeps a stack of O_PATH descriptors, one per directory below
 * dirfd, so ".." is a pop of our own stack and never a lookup the
 * filesystem could answer with a place above dirfd. Each component is
 * opened O_PATH | O_NOFOLLOW from the top of the stack: a symlink is
 * read through its own descriptor (so it cannot be swapped between the
 * look and the read) and its target put in front of what is left of the
 * path. The last component is opened with the caller's flags and
 * O_NOFOLLOW, so a symlink swapped in after the look fails with ELOOP
 * instead of being followed.
 */
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define OPEN_RETRIES 4		/* openat2 EAGAIN: a rename raced us */

static int openat2_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = -1;

	for (int i = 0; i < OPEN_RETRIES; i++) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return (int)fd;
}

struct walk {
	int dirs[BENEATH_DEPTH_MAX];	/* O_PATH, below the base */
	int n;
	int base;
	char rest[PATH_MAX];		/* the path still to walk */
};

static int top(const struct walk *w)
{
	return w->n ? w->dirs[w->n - 1] : w->base;
}

/* Put a symlink's target in front of what is left. */
static int link_splice(struct walk *w, int link)
{
	char target[PATH_MAX];
	size_t left = strlen(w->rest);
	ssize_t n = readlinkat(link, "", target, sizeof(target));

	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target) || (size_t)n + left >= sizeof(w->rest))
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;
	if (target[0] == '/')
		return -EXDEV;
	memmove(w->rest + n, w->rest, left + 1);
	memcpy(w->rest, target, (size_t)n);
	return 0;
}

/* The next component into name, taken off the front of w->rest. */
static int next(struct walk *w, char *name, bool *last)
{
	const char *p = w->rest + strspn(w->rest, "/");
	size_t len = strcspn(p, "/");

	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, p, len);
	name[len] = '\0';
	p += len;
	*last = p[strspn(p, "/")] == '\0';
	memmove(w->rest, p, strlen(p) + 1);
	return 0;
}

static int walk_open(struct walk *w, int flags)
{
	char name[NAME_MAX + 1];
	int links = 0, fd, r;
	bool last;
	struct stat st;

	for (;;) {
		r = next(w, name, &last);
		if (r < 0)
			return r;
		if (last && w->rest[0] == '/')
			flags |= O_DIRECTORY;	/* "dir/" */
		if (name[0] == '\0' || strcmp(name, ".") == 0) {
			if (last)
				break;
			continue;
		}
		if (strcmp(name, "..") == 0) {
			if (w->n == 0)
				return -EXDEV;
			close(w->dirs[--w->n]);
			if (last)
				break;
			continue;
		}
		fd = openat(top(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		if (S_ISLNK(st.st_mode)) {
			r = ++links > BENEATH_LINKS_MAX ? -ELOOP : link_splice(w, fd);
			close(fd);
			if (r < 0)
				return r;
			continue;
		}
		if (last) {
			if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
				close(fd);
				return -ENOTDIR;
			}
			if (flags & O_PATH)
				return fd;
			close(fd);
			fd = openat(top(w), name, flags | O_NOFOLLOW | O_CLOEXEC);
			return fd < 0 ? -errno : fd;
		}
		if (!S_ISDIR(st.st_mode) || w->n == BENEATH_DEPTH_MAX) {
			close(fd);
			return S_ISDIR(st.st_mode) ? -ENAMETOOLONG : -ENOTDIR;
		}
		w->dirs[w->n++] = fd;
	}
	/* The path ended at a directory of the stack ("", ".", ".."). */
	fd = openat(top(w), ".", flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int beneath_open(int dirfd, const char *path, int flags, bool walk)
{
	struct walk w = { .base = dirfd };
	size_t len = strlen(path);
	int fd;

	if (!walk)
		return openat2_beneath(dirfd, path, flags);
	if (path[0] == '\0' || path[0] == '/') {
		errno = path[0] ? EXDEV : ENOENT;
		return -1;
	}
	if (len >= sizeof(w.rest)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(w.rest, path, len + 1);
	fd = walk_open(&w, flags);
	while (w.n)
		close(w.dirs[--w.n]);
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}
