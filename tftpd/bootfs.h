/*
 * What TFTP and HTTP serve (bootfs.c): files under one root directory,
 * opened beneath it (openat2 RESOLVE_BENEATH: "..", absolute paths and
 * symlinks that leave the root are refused), and per-machine files
 * rendered on request from templates with the machine's values from
 * IPAM, never written to disk.
 *
 * A real file under the root wins over a rendered one of the same name,
 * so an operator can pin one machine's config by hand.
 *
 * Templates live in one folder: KIND.tmpl (pxelinux.tmpl, grub.tmpl,
 * ipxe.tmpl), and optionally KIND-PROFILE.tmpl for one boot profile
 * (e.g. pxelinux-local.tmpl, ipxe-unknown.tmpl), which wins over
 * KIND.tmpl for machines of that profile. They are read at start and
 * re-read when their mtime or size changes (checked at most once a
 * second). A template that does not compile is logged once, with its
 * line, and every request that needs it gets an error; the others keep
 * working.
 */
#ifndef RACKNET_BOOTFS_H
#define RACKNET_BOOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "boot.h"

struct ipam;
struct bootfs;

/*
 * Open the root (a directory, kept open as a descriptor) and load the
 * templates (NULL: no rendering, every name is a plain file). db is the
 * IPAM handle used to look machines up (not owned; may be NULL when
 * templates is NULL). NULL on error, with err saying what.
 */
struct bootfs *bootfs_new(const char *root, const char *templates,
			  struct ipam *db, char *err, size_t cap);
void bootfs_free(struct bootfs *fs);

/* Who asks, and where. */
struct boot_client {
	struct ip_addr addr;	/* the client's address */
	struct ip_addr local;	/* ours, the one it asked: ${server} */
	uint16_t http_port;	/* our HTTP port for ${http}, 0: no HTTP */
};

/* An opened file or a rendered one. */
struct boot_file {
	int fd;			/* >= 0: a regular file under the root */
	char *data;		/* else the rendered bytes (malloc'd) */
	uint64_t size;
	enum boot_kind kind;	/* BOOT_FILE for a real file */
	char what[160];		/* for logs: "node1 (profile ubuntu)" or "" */
};

/*
 * Resolve path (as the client sent it, already %-decoded for HTTP) and
 * query (HTTP, or NULL) for client c. 0: f is filled (release it with
 * boot_file_release). Errors, with why (cap bytes) saying what for the
 * log and the client:
 *  -EACCES  access violation (unsafe path, outside the root, not a
 *           regular file, not readable);
 *  -ENOENT  file not found (and nothing to render for that name);
 *  -EIO     the template is broken or IPAM could not be read (or the
 *           file could not be opened for a reason of ours, e.g. out of
 *           descriptors).
 * f is always left safe to release, and empty on error.
 */
int bootfs_get(struct bootfs *fs, const char *path, const char *query,
	       const struct boot_client *c, struct boot_file *f,
	       char *why, size_t cap);
void boot_file_release(struct boot_file *f);

/* Counters for stats. */
struct bootfs_stats {
	uint64_t rendered, render_errors, template_reloads;
};
void bootfs_stats(const struct bootfs *fs, struct bootfs_stats *s);

#endif
