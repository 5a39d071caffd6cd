/*
 * Requested paths (boot.h): is a name a client sent safe to open under
 * the boot root, and what does it ask for. boot_path_clean() is the only
 * gate between a peer's bytes and openat2(): it refuses anything that
 * could name a place outside the root by itself ("..", a leading "/")
 * or that a log line or a filesystem could read two ways (control bytes,
 * backslashes), and writes one canonical spelling, so "a//./b" and "a/b"
 * are the same file to bootfs.c and to the classifier. Symlinks are
 * left to the opener, which resolves beneath the root.
 *
 * boot_name_classify() then recognises the names PXELINUX, GRUB and iPXE
 * ask for per machine. Its parsers are strict (two hex digits per MAC
 * group, one separator throughout): anything else stays a plain file
 * name, which will most likely be "file not found".
 *
 * Pure: no I/O, no allocation, no globals.
 */
#include "boot.h"

#include <errno.h>
#include <string.h>

static int clean_fail(const char **why, const char *text)
{
	if (why)
		*why = text;
	return -EACCES;
}

int boot_path_clean(char *out, size_t cap, const char *path, size_t len,
		    const char **why)
{
	size_t o = 0, i = 0;

	if (!out || cap == 0 || !path || len == 0)
		return clean_fail(why, "empty path");
	if (len > BOOT_PATH_MAX)
		return clean_fail(why, "path too long");
	/* Leading slashes are dropped with the other empty components:
	 * GRUB sends every name as "/grub/...", meaning the root. */
	for (size_t k = 0; k < len; k++) {
		unsigned char ch = (unsigned char)path[k];

		if (ch < 0x20 || ch == 0x7f)
			return clean_fail(why, "control byte in path");
		if (ch == '\\')
			return clean_fail(why, "backslash in path");
	}
	while (i < len) {
		const char *slash = memchr(path + i, '/', len - i);
		size_t end = slash ? (size_t)(slash - path) : len;
		size_t clen = end - i;
		const char *comp = path + i;

		i = end + 1;	/* past the slash, or past len: loop ends */
		if (clen == 0 || (clen == 1 && comp[0] == '.'))
			continue;
		if (clen == 2 && comp[0] == '.' && comp[1] == '.')
			return clean_fail(why, "'..' in path");
		/* Room for a separator, the component and the NUL. */
		if (cap - o < (o ? 1 : 0) + clen + 1)
			return clean_fail(why, "path too long");
		if (o)
			out[o++] = '/';
		memcpy(out + o, comp, clen);
		o += clen;
	}
	if (o == 0)
		return clean_fail(why, "empty path");
	out[o] = '\0';
	return 0;
}

const char *boot_kind_name(enum boot_kind k)
{
	static const char *const names[BOOT_KIND_MAX] = {
		[BOOT_FILE] = "file",
		[BOOT_PXELINUX] = "pxelinux",
		[BOOT_GRUB] = "grub",
		[BOOT_IPXE] = "ipxe",
	};

	return (unsigned)k < BOOT_KIND_MAX ? names[k] : "?";
}

/* ---- Classification ------------------------------------------------ */

static bool all_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (hex_value(s[i]) < 0)
			return false;
	return true;
}

/* Exactly 2n hex digits into n bytes. */
static bool hex_bytes(const char *s, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

enum {
	MAC_COLON = 1 << 0,	/* 52:54:00:12:34:56 */
	MAC_DASH = 1 << 1,	/* 52-54-00-12-34-56 */
	MAC_BARE = 1 << 2,	/* 525400123456 (iPXE's ${mac:hexraw}) */
};

/* A MAC in exactly one of the allowed forms, any case, len bytes. */
static bool mac_strict(struct mac_addr *m, const char *s, size_t len,
		       unsigned forms)
{
	if (len == 12 && (forms & MAC_BARE))
		return hex_bytes(s, m->b, 6);
	if (len != 17)
		return false;
	if (!((s[2] == ':' && (forms & MAC_COLON)) ||
	      (s[2] == '-' && (forms & MAC_DASH))))
		return false;
	for (int g = 0; g < 6; g++) {
		if (g > 0 && s[3 * g - 1] != s[2])
			return false;
		if (!hex_bytes(s + 3 * g, m->b + g, 1))
			return false;
	}
	return true;
}

static uint32_t hex_u32(const char *s, size_t len)
{
	uint32_t v = 0;

	for (size_t i = 0; i < len; i++)
		v = v << 4 | (uint32_t)hex_value(s[i]);
	return v;
}

static const char *after(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

static void set_mac(struct boot_name *bn, enum boot_kind kind,
		    const struct mac_addr *m)
{
	bn->kind = kind;
	bn->key = BOOT_BY_MAC;
	bn->mac = *m;
}

static void set_v4(struct boot_name *bn, enum boot_kind kind, uint32_t v)
{
	bn->kind = kind;
	bn->key = BOOT_BY_IP;
	ip_set_v4(&bn->ip, v);
}

/* pxelinux.cfg/NAME, in the order PXELINUX tries them. */
static void classify_pxelinux(struct boot_name *bn, const char *name)
{
	size_t len = strlen(name);
	struct mac_addr m;

	if (strcmp(name, "default") == 0) {
		bn->kind = BOOT_PXELINUX;
		return;
	}
	if (len == 20 && strncmp(name, "01-", 3) == 0 &&
	    mac_strict(&m, name + 3, 17, MAC_DASH)) {
		set_mac(bn, BOOT_PXELINUX, &m);
		return;
	}
	if (len < 1 || len > 8 || !all_hex(name, len))
		return;
	if (len == 8) {
		set_v4(bn, BOOT_PXELINUX, hex_u32(name, len));
		return;
	}
	bn->kind = BOOT_PXELINUX;
	bn->prefix_bits = (unsigned)len * 4;
	ip_set_v4(&bn->ip, hex_u32(name, len) << (32 - bn->prefix_bits));
}

/* grub/grub.cfg-SUFFIX: GRUB's 01-<mac>, a MAC, or an IPv4 address. */
static void classify_grub(struct boot_name *bn, const char *sfx)
{
	size_t len = strlen(sfx);
	struct mac_addr m;
	struct ip_addr ip;

	if (len == 20 && strncmp(sfx, "01-", 3) == 0 &&
	    mac_strict(&m, sfx + 3, 17, MAC_DASH)) {
		set_mac(bn, BOOT_GRUB, &m);
		return;
	}
	if (mac_strict(&m, sfx, len, MAC_COLON | MAC_DASH)) {
		set_mac(bn, BOOT_GRUB, &m);
		return;
	}
	if (len == 8 && all_hex(sfx, len)) {
		set_v4(bn, BOOT_GRUB, hex_u32(sfx, len));
		return;
	}
	if (len >= 7 && len <= 15 && strspn(sfx, "0123456789.") == len &&
	    ip_parse(&ip, sfx) == 0 && ip_len(&ip) == 4) {
		bn->kind = BOOT_GRUB;
		bn->key = BOOT_BY_IP;
		bn->ip = ip;
	}
}

/* ipxe/<mac> or ipxe/<mac>.ipxe. */
static void classify_ipxe_path(struct boot_name *bn, const char *name)
{
	size_t len = strlen(name);
	struct mac_addr m;

	if (len > 5 && strcmp(name + len - 5, ".ipxe") == 0)
		len -= 5;
	if (mac_strict(&m, name, len, MAC_COLON | MAC_DASH | MAC_BARE))
		set_mac(bn, BOOT_IPXE, &m);
}

/*
 * boot.ipxe?...: the first "mac=" parameter, %-decoded here too since
 * iPXE's ${net0/mac:uristring} sends colons as %3A and a caller may hand
 * the query over undecoded. No mac= at all: whoever asks.
 */
static void classify_ipxe_query(struct boot_name *bn, const char *q)
{
	char val[24];
	size_t vlen = 0;
	struct mac_addr m;

	if (q && *q == '?')
		q++;
	while (q && *q) {
		size_t plen = strcspn(q, "&;");

		if (plen >= 4 && strncmp(q, "mac=", 4) == 0) {
			for (size_t i = 4; i < plen; i++) {
				char c = q[i];

				if (c == '%' && plen - i > 2 &&
				    hex_value(q[i + 1]) >= 0 &&
				    hex_value(q[i + 2]) >= 0) {
					c = (char)(hex_value(q[i + 1]) << 4 |
						   hex_value(q[i + 2]));
					i += 2;
				}
				if (vlen == sizeof(val))
					return;	/* too long: malformed */
				val[vlen++] = c;
			}
			if (mac_strict(&m, val, vlen,
				       MAC_COLON | MAC_DASH | MAC_BARE))
				set_mac(bn, BOOT_IPXE, &m);
			return;		/* malformed: a plain file */
		}
		q += plen;
		if (*q)
			q++;
	}
	bn->kind = BOOT_IPXE;
}

void boot_name_classify(struct boot_name *bn, const char *clean,
			const char *query)
{
	const char *rest;

	memset(bn, 0, sizeof(*bn));
	bn->kind = BOOT_FILE;
	bn->key = BOOT_BY_SOURCE;
	if (!clean)
		return;
	if ((rest = after(clean, "pxelinux.cfg/")))
		classify_pxelinux(bn, rest);
	else if (strcmp(clean, "grub/grub.cfg") == 0)
		bn->kind = BOOT_GRUB;
	else if ((rest = after(clean, "grub/grub.cfg-")))
		classify_grub(bn, rest);
	else if (strcmp(clean, "boot.ipxe") == 0)
		classify_ipxe_query(bn, query);
	else if ((rest = after(clean, "ipxe/")))
		classify_ipxe_path(bn, rest);
}
