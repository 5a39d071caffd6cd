/*
 * The boot server's pure code, shared by TFTP and HTTP:
 *  - boot_path.c: is a requested path safe under the root, and what does
 *    it ask for (a plain file, or a per-machine file to render, keyed by
 *    MAC, by IP, or by whoever is asking);
 *  - boot_tmpl.c: the template language the per-machine files are
 *    rendered from;
 *  - http_range.c: the HTTP Range header of the boot server;
 *  - http_req.c: the path and query an HTTP request-target names.
 * Bytes in, structs or bytes out: no files, no sockets, no clock.
 */
#ifndef RACKNET_BOOT_H
#define RACKNET_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* ---- Requested paths (boot_path.c) ------------------------------ */

#define BOOT_PATH_MAX 1024	/* longer paths are refused */

/*
 * Check a path as a client sent it (TFTP filename, or an HTTP path after
 * %-decoding, without its query and without the leading '/' every HTTP
 * path has) and write its canonical form to out: "./" components,
 * leading, repeated and trailing slashes dropped ("/grub/x", as GRUB
 * asks, is the root's grub/x; bootfs.c refuses one that names nothing
 * there). 0: out holds a relative path under the root, never empty (cap
 * BOOT_PATH_MAX + 1 always suffices; a smaller cap the result does not
 * fit counts as too long). why may be NULL. -EACCES, *why set ("access
 * violation" cases): a ".." component, a NUL or control byte, a
 * backslash, more than BOOT_PATH_MAX bytes, or nothing left (e.g. "."
 * or "/"). Symlinks are the opener's business (bootfs.c opens beneath
 * the root).
 */
int boot_path_clean(char *out, size_t cap, const char *path, size_t len,
		    const char **why);

/* What a clean path asks for. */
enum boot_kind {
	BOOT_FILE,		/* a plain file under the root */
	BOOT_PXELINUX,		/* pxelinux.cfg/... */
	BOOT_GRUB,		/* grub/grub.cfg... */
	BOOT_IPXE,		/* boot.ipxe, ipxe/... */
	BOOT_KIND_MAX,
};

/* Which machine a rendered file is for. */
enum boot_key {
	BOOT_BY_SOURCE,		/* whoever asks: the client's own address */
	BOOT_BY_MAC,
	BOOT_BY_IP,
	BOOT_KEY_MAX,
};

struct boot_name {
	enum boot_kind kind;
	enum boot_key key;
	struct mac_addr mac;	/* BOOT_BY_MAC */
	struct ip_addr ip;	/* BOOT_BY_IP */
	/* pxelinux hex-prefix names (1 to 7 hex digits, e.g. "0A0A"):
	 * the file is for the asking client only if its IPv4 address
	 * starts with these bits; key is BOOT_BY_SOURCE, prefix_bits 4..28
	 * and ip holds the prefix. 0 otherwise. */
	unsigned prefix_bits;
};

/*
 * Classify a clean path (boot_path_clean's output) and the HTTP query
 * (NULL or "" for TFTP, or when there is none). Never fails: a name that
 * is not one of these is BOOT_FILE.
 *  - pxelinux.cfg/01-aa-bb-cc-dd-ee-ff     PXELINUX, BY_MAC (ARP type 01)
 *  - pxelinux.cfg/0A0A0005 (8 hex digits)  PXELINUX, BY_IP
 *  - pxelinux.cfg/0A0A (1-7 hex digits)    PXELINUX, BY_SOURCE + prefix
 *  - pxelinux.cfg/default                  PXELINUX, BY_SOURCE
 *  - grub/grub.cfg-<mac> (colons or dashes, or 01-<dashes>)  GRUB, BY_MAC
 *  - grub/grub.cfg-<dotted IPv4 or 8 hex digits>            GRUB, BY_IP
 *  - grub/grub.cfg                                          GRUB, BY_SOURCE
 *  - boot.ipxe?mac=<mac>, ipxe/<mac>, ipxe/<mac>.ipxe       IPXE, BY_MAC
 *  - boot.ipxe (no or other query)                          IPXE, BY_SOURCE
 * A MAC is six groups of two hex digits, one separator throughout; iPXE's
 * also 12 bare digits (${mac:hexraw}), and the first mac= value is
 * %-decoded (${mac:uristring}). Only names at the root are recognised.
 * Names compare case-sensitively except the MAC and hex digits. A
 * malformed MAC or IP where one is expected makes the path a BOOT_FILE
 * (it will most likely be "file not found").
 */
void boot_name_classify(struct boot_name *bn, const char *clean,
			const char *query);
const char *boot_kind_name(enum boot_kind k);	/* "file", "pxelinux", ... */

/* ---- Templates (boot_tmpl.c) ------------------------------------ */

/*
 * A template is text with ${name} references to these variables; "$$" is
 * a literal "$". Any other "$" is an error, and so is an unknown name.
 * A variable with no value renders as "".
 */
enum boot_var {
	BV_HOSTNAME,	/* "node1"; unknown machines: the lease's, or "" */
	BV_DOMAIN,	/* "lab.example" */
	BV_FQDN,	/* "node1.lab.example", or "" without a hostname */
	BV_IP,		/* "10.0.0.5", or "" */
	BV_MAC,		/* "52:54:00:12:34:56", or "" */
	BV_MAC_DASH,	/* "52-54-00-12-34-56" */
	BV_ARCH,	/* the host's arch ("uefi-x64"), or "" */
	BV_PROFILE,	/* the boot profile's name ("ubuntu", "unknown") */
	BV_KERNEL,	/* the profile's kernel path, relative to the root */
	BV_INITRD,
	BV_CMDLINE,
	BV_SERVER,	/* the address the client asked (ours) */
	BV_HTTP,	/* our HTTP base: "http://10.0.0.1:8080" ("" if off) */
	BV_MAX,
};

const char *boot_var_name(enum boot_var v);	/* "hostname", ... */

struct boot_vars {
	const char *v[BV_MAX];	/* NULL renders as "" */
};

#define BOOT_TMPL_MAX (64 * 1024)	/* larger templates are refused */
#define BOOT_TMPL_PARTS 1024		/* literal + variable pieces */

struct boot_tmpl_part {
	uint32_t off, len;	/* literal: bytes of text; len 0: variable */
	int var;		/* enum boot_var, or -1 for a literal */
};

/* A compiled template: owns a copy of its text. */
struct boot_tmpl {
	char *text;
	size_t len;
	size_t nparts;
	struct boot_tmpl_part *parts;
};

/*
 * Compile text (len bytes, not necessarily NUL-terminated). 0, or
 * -EINVAL with err (cap bytes) saying what and where, e.g. "line 3:
 * unknown variable ${kernal}" or "line 7: '$' must be followed by '{' or
 * '$'" ; -EFBIG over BOOT_TMPL_MAX bytes or BOOT_TMPL_PARTS pieces;
 * -ENOMEM. On error t is left empty (boot_tmpl_free is still safe).
 */
int boot_tmpl_compile(struct boot_tmpl *t, const char *text, size_t len,
		      char *err, size_t cap);
void boot_tmpl_free(struct boot_tmpl *t);

/*
 * Render t with vars into out (cap bytes). Returns the rendered length
 * (no NUL is written), or -EMSGSIZE if it needs more than cap: call
 * boot_tmpl_size() first to size the buffer.
 */
size_t boot_tmpl_size(const struct boot_tmpl *t, const struct boot_vars *v);
long boot_tmpl_render(const struct boot_tmpl *t, const struct boot_vars *v,
		      char *out, size_t cap);

/* ---- HTTP Range (http_range.c) ---------------------------------- */

/*
 * A Range header (RFC 9110 14.2) against a resource of size bytes.
 *  0: serve [*first, *first + *len) with 206 (a single byte range:
 *     "bytes=A-B", "bytes=A-" or "bytes=-N", clamped to the size);
 *  1: ignore the header and serve the whole resource with 200 (a header
 *     that is not a bytes range we understand, or several ranges);
 *  -ERANGE: 416 Range Not Satisfiable (first byte at or past the end,
 *     or "bytes=-0").
 * Whitespace around "=", "-" and "," is tolerated; numbers that overflow
 * 64 bits make the header ignored (1).
 */
int http_range_parse(const char *hdr, uint64_t size, uint64_t *first,
		     uint64_t *len);

/* ---- HTTP request-target (http_req.c) --------------------------- */

/* The path and query of a request-target, %-decoded, NUL-terminated. */
struct http_target {
	const char *path;	/* never empty: "/" at least */
	const char *query;	/* NULL when the target has no '?' */
};

/* A buffer of this many bytes holds any target of len bytes taken apart. */
#define HTTP_TARGET_BUF(len) ((size_t)(len) + 2)

/*
 * Take apart a request-target (RFC 9112 3.2) of len bytes, as the HTTP
 * parser read it from a GET or HEAD line:
 *  - origin-form ("/a/b?q#f"): the path runs up to the first '?' or '#',
 *    the query from the '?' up to the next '#'; "//x" is path "//x";
 *  - anything else ("http://host/a?q", "a/b"): first drop a scheme (the
 *    text before the target's first ':' if it is ALPHA *(ALPHA / DIGIT /
 *    "+" / "-" / ".")) and then "//" with the authority after it (up to
 *    the next '/', '?' or '#'); then as above, an empty path being "/".
 * Path and query are %-decoded: "%XX" with two hex digits is that byte,
 * anything else (a lone '%', '+') is kept. Both go NUL-terminated into
 * buf (cap bytes: HTTP_TARGET_BUF(len) always suffices), and ret points
 * at them. 0; -EBADMSG if the target holds a NUL byte or one decodes to
 * NUL (a C string would silently cut it), whatever cap is; -ENAMETOOLONG
 * if cap is too small. ret is written only on success.
 */
int http_target_parse(struct http_target *ret, char *buf, size_t cap,
		      const char *uri, size_t len);

#endif
