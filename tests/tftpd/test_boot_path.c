/*
 * Unit tests for tftpd/boot_path.c: boot_path_clean() against every
 * traversal spelling we know, control bytes, length limits and small
 * output buffers; boot_name_classify() against every name in boot.h's
 * table (upper- and lower-case hex and MACs) and the malformed neighbours
 * of each, which must stay plain files. Every input is a heap copy of
 * exactly its length, without a NUL after it, so ASan sees any overread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "test.h"

static char out[BOOT_PATH_MAX + 1];
static const char *why;

/* Clean len bytes of s from an exact-size heap block. */
static int clean_n(const char *s, size_t len, size_t cap)
{
	char *p = malloc(len ? len : 1);
	int rc;

	if (len)
		memcpy(p, s, len);
	why = NULL;
	memset(out, 'X', sizeof(out));
	rc = boot_path_clean(out, cap, p, len, &why);
	free(p);
	return rc;
}

static int clean(const char *s)
{
	return clean_n(s, strlen(s), sizeof(out));
}

#define CHECK_CLEAN(in, want)                                             \
	do {                                                              \
		CHECK_INT(clean(in), 0);                                  \
		CHECK_STR(out, want);                                     \
	} while (0)

#define CHECK_REFUSED(in, text)                                           \
	do {                                                              \
		CHECK_INT(clean(in), -EACCES);                            \
		CHECK_CONTAINS(why, text);                                \
	} while (0)

TEST(clean_plain)
{
	CHECK_CLEAN("pxelinux.0", "pxelinux.0");
	CHECK_CLEAN("ubuntu/vmlinuz", "ubuntu/vmlinuz");
	CHECK_CLEAN("a/b/c/d.efi", "a/b/c/d.efi");
	/* Dots that are not "." or ".." are names like any other. */
	CHECK_CLEAN("...", "...");
	CHECK_CLEAN("..a/b..", "..a/b..");
	CHECK_CLEAN(".hidden", ".hidden");
	CHECK_CLEAN("a/.../b", "a/.../b");
	/* Spaces and UTF-8 are allowed; only control bytes are not. */
	CHECK_CLEAN("my file", "my file");
	CHECK_CLEAN("caf\xc3\xa9", "caf\xc3\xa9");
	CHECK_CLEAN("~user", "~user");
}

TEST(clean_canonical)
{
	CHECK_CLEAN("a//b", "a/b");
	CHECK_CLEAN("a///b////c", "a/b/c");
	CHECK_CLEAN("./a", "a");
	CHECK_CLEAN("././a", "a");
	CHECK_CLEAN("a/./b", "a/b");
	CHECK_CLEAN("a/.", "a");
	CHECK_CLEAN("a/", "a");
	CHECK_CLEAN("a/b//", "a/b");
	CHECK_CLEAN(".//a/.//./b/.", "a/b");
	/* The canonical form is a fixed point. */
	CHECK_CLEAN("a/b", "a/b");
}

TEST(clean_traversal)
{
	CHECK_REFUSED("..", "'..'");
	CHECK_REFUSED("../x", "'..'");
	CHECK_REFUSED("a/../../x", "'..'");
	/* Even a ".." that would stay inside: no lexical games. */
	CHECK_REFUSED("a/../b", "'..'");
	CHECK_REFUSED("a/..", "'..'");
	CHECK_REFUSED("a/../", "'..'");
	CHECK_REFUSED("./../x", "'..'");
	CHECK_REFUSED("a//..//x", "'..'");
	/* A leading '/' is the root (GRUB): bootfs refuses what is not
	 * there, the cleaner only drops it. */
	CHECK_CLEAN("/etc/passwd", "etc/passwd");
	CHECK_CLEAN("//grub//grub.cfg", "grub/grub.cfg");
	CHECK_CLEAN("/pxelinux.0", "pxelinux.0");
	CHECK_REFUSED("/", "empty");
	CHECK_REFUSED("/../etc/passwd", "'..'");
	CHECK_REFUSED("..\\..\\windows", "backslash");
	CHECK_REFUSED("a\\b", "backslash");
}

TEST(clean_empty)
{
	CHECK_REFUSED("", "empty");
	CHECK_REFUSED(".", "empty");
	CHECK_REFUSED("./", "empty");
	CHECK_REFUSED("./.", "empty");
	CHECK_REFUSED(".//./", "empty");
	/* why may be NULL. */
	CHECK_INT(boot_path_clean(out, sizeof(out), ".", 1, NULL), -EACCES);
	CHECK_INT(boot_path_clean(out, 0, "a", 1, NULL), -EACCES);
}

TEST(clean_control_bytes)
{
	static const char nul[] = "a\0/../etc/passwd";

	/* A NUL inside len, whatever follows it. */
	CHECK_INT(clean_n(nul, sizeof(nul) - 1, sizeof(out)), -EACCES);
	CHECK_CONTAINS(why, "control");
	CHECK_INT(clean_n("abc\0", 4, sizeof(out)), -EACCES);
	CHECK_REFUSED("a\nb", "control");
	CHECK_REFUSED("a\rb", "control");
	CHECK_REFUSED("\tfile", "control");
	CHECK_REFUSED("a\x1b[31m", "control");
	CHECK_REFUSED("del\x7f", "control");
	CHECK_REFUSED("\x01", "control");
	/* len is the length: bytes past it are not read. */
	CHECK_INT(clean_n("ab\ncd", 2, sizeof(out)), 0);
	CHECK_STR(out, "ab");
}

TEST(clean_length)
{
	static char big[BOOT_PATH_MAX + 2];

	memset(big, 'a', sizeof(big));
	CHECK_INT(clean_n(big, BOOT_PATH_MAX, sizeof(out)), 0);
	CHECK_INT(strlen(out), BOOT_PATH_MAX);
	CHECK_INT(clean_n(big, BOOT_PATH_MAX + 1, sizeof(out)), -EACCES);
	CHECK_CONTAINS(why, "too long");
	/* Over the limit before cleaning, even if shorter after it. */
	for (size_t i = 0; i + 1 < sizeof(big); i += 2)
		big[i] = '.', big[i + 1] = '/';
	big[BOOT_PATH_MAX] = 'x';
	CHECK_INT(clean_n(big, BOOT_PATH_MAX + 1, sizeof(out)), -EACCES);
	CHECK_CONTAINS(why, "too long");
	CHECK_INT(clean_n(big + 1, BOOT_PATH_MAX, sizeof(out)), 0);
	CHECK_STR(out, "x");
	CHECK_INT(clean_n(big, BOOT_PATH_MAX, sizeof(out)), -EACCES);
	CHECK_CONTAINS(why, "empty");
}

/* A small output buffer: the cleaned path and its NUL must fit. */
TEST(clean_small_cap)
{
	CHECK_INT(clean_n("abc", 3, 4), 0);
	CHECK_STR(out, "abc");
	CHECK_INT(clean_n("abc", 3, 3), -EACCES);
	CHECK_CONTAINS(why, "too long");
	CHECK_INT(out[3], 'X');		/* nothing written past cap */
	CHECK_INT(clean_n("a/b", 3, 4), 0);
	CHECK_STR(out, "a/b");
	CHECK_INT(clean_n("a/b", 3, 3), -EACCES);
	CHECK_INT(clean_n("./a//b", 6, 4), 0);	/* fits once cleaned */
	CHECK_STR(out, "a/b");
	CHECK_INT(clean_n("a", 1, 1), -EACCES);
}

/* ---- classification ---- */

static struct boot_name bn;

static void classify(const char *clean_path, const char *query)
{
	char *p = strdup(clean_path);

	memset(&bn, 0xa5, sizeof(bn));	/* every field must be written */
	boot_name_classify(&bn, p, query);
	free(p);
}

static void check_plain(const char *path, const char *query, int line)
{
	classify(path, query);
	if (bn.kind != BOOT_FILE || bn.key != BOOT_BY_SOURCE ||
	    bn.prefix_bits != 0) {
		fprintf(stderr, "%s:%d: %s: \"%s\" is kind %d key %d, want a "
			"plain file\n", __FILE__, line, test_current, path,
			bn.kind, bn.key);
		test_failures++;
	}
}
#define CHECK_PLAIN(path) check_plain(path, NULL, __LINE__)
#define CHECK_PLAIN_Q(path, q) check_plain(path, q, __LINE__)

static void check_mac(enum boot_kind kind, const char *path,
		      const char *query, const char *want)
{
	char buf[MAC_STRLEN];

	classify(path, query);
	CHECK_INT(bn.kind, kind);
	CHECK_INT(bn.key, BOOT_BY_MAC);
	CHECK_INT(bn.prefix_bits, 0);
	CHECK_STR(mac_format(&bn.mac, buf, sizeof(buf)), want);
}

static void check_ip(enum boot_kind kind, const char *path, const char *want)
{
	char buf[IP_STRLEN];

	classify(path, NULL);
	CHECK_INT(bn.kind, kind);
	CHECK_INT(bn.key, BOOT_BY_IP);
	CHECK_INT(bn.prefix_bits, 0);
	CHECK_STR(ip_format(&bn.ip, buf, sizeof(buf)), want);
}

static void check_source(enum boot_kind kind, const char *path,
			 const char *query)
{
	classify(path, query);
	CHECK_INT(bn.kind, kind);
	CHECK_INT(bn.key, BOOT_BY_SOURCE);
	CHECK_INT(bn.prefix_bits, 0);
}

TEST(kind_names)
{
	CHECK_STR(boot_kind_name(BOOT_FILE), "file");
	CHECK_STR(boot_kind_name(BOOT_PXELINUX), "pxelinux");
	CHECK_STR(boot_kind_name(BOOT_GRUB), "grub");
	CHECK_STR(boot_kind_name(BOOT_IPXE), "ipxe");
	CHECK_STR(boot_kind_name(BOOT_KIND_MAX), "?");
	CHECK_STR(boot_kind_name((enum boot_kind)-1), "?");
}

TEST(pxelinux_mac)
{
	const char *want = "52:54:00:12:ab:cd";

	check_mac(BOOT_PXELINUX, "pxelinux.cfg/01-52-54-00-12-ab-cd", NULL,
		  want);
	check_mac(BOOT_PXELINUX, "pxelinux.cfg/01-52-54-00-12-AB-CD", NULL,
		  want);
	check_mac(BOOT_PXELINUX, "pxelinux.cfg/01-52-54-00-12-aB-Cd", NULL,
		  want);
	/* The query means nothing to a pxelinux name. */
	check_mac(BOOT_PXELINUX, "pxelinux.cfg/01-52-54-00-12-ab-cd",
		  "mac=00:00:00:00:00:01", want);
	/* Malformed: other ARP types, colons, short groups, extra bytes. */
	CHECK_PLAIN("pxelinux.cfg/06-52-54-00-12-ab-cd");
	CHECK_PLAIN("pxelinux.cfg/01-52:54:00:12:ab:cd");
	CHECK_PLAIN("pxelinux.cfg/52-54-00-12-ab-cd");
	CHECK_PLAIN("pxelinux.cfg/01-52-54-00-12-ab-c");
	CHECK_PLAIN("pxelinux.cfg/01-52-54-00-12-ab-cd-ef");
	CHECK_PLAIN("pxelinux.cfg/01-52-54-00-12-ab-cdx");
	CHECK_PLAIN("pxelinux.cfg/01-52-54-0-012-ab-cd");
	CHECK_PLAIN("pxelinux.cfg/01-52-54-00-12-ab-cg");
	CHECK_PLAIN("pxelinux.cfg/01-52-54-00-12-ab:cd");
	CHECK_PLAIN("pxelinux.cfg/01--52-54-00-12-abc");
	CHECK_PLAIN("pxelinux.cfg/01-");
	/* The directory name is case-sensitive, and only at the root. */
	CHECK_PLAIN("PXELINUX.CFG/01-52-54-00-12-ab-cd");
	CHECK_PLAIN("bios/pxelinux.cfg/01-52-54-00-12-ab-cd");
	CHECK_PLAIN("pxelinux.cfg/x/01-52-54-00-12-ab-cd");
}

TEST(pxelinux_ip)
{
	check_ip(BOOT_PXELINUX, "pxelinux.cfg/0A000005", "10.0.0.5");
	check_ip(BOOT_PXELINUX, "pxelinux.cfg/0a000005", "10.0.0.5");
	check_ip(BOOT_PXELINUX, "pxelinux.cfg/C0A80101", "192.168.1.1");
	check_ip(BOOT_PXELINUX, "pxelinux.cfg/FFFFFFFF", "255.255.255.255");
	check_ip(BOOT_PXELINUX, "pxelinux.cfg/00000000", "0.0.0.0");
	CHECK_PLAIN("pxelinux.cfg/0A0000050");		/* 9 digits */
	CHECK_PLAIN("pxelinux.cfg/0A00000G");
	CHECK_PLAIN("pxelinux.cfg/0x0A0005");
	CHECK_PLAIN("pxelinux.cfg/10.0.0.5");
	/* PXELINUX's first try, the UUID, is nothing we render. */
	CHECK_PLAIN("pxelinux.cfg/b8945908-d6a6-41a9-611d-74a6ab80b83d");
}

TEST(pxelinux_prefix)
{
	static const struct {
		const char *name;
		unsigned bits;
		const char *ip;
	} cases[] = {
		{ "pxelinux.cfg/0A00000", 28, "10.0.0.0" },
		{ "pxelinux.cfg/0A0000", 24, "10.0.0.0" },
		{ "pxelinux.cfg/0A000", 20, "10.0.0.0" },
		{ "pxelinux.cfg/0A00", 16, "10.0.0.0" },
		{ "pxelinux.cfg/0A0", 12, "10.0.0.0" },
		{ "pxelinux.cfg/0A", 8, "10.0.0.0" },
		{ "pxelinux.cfg/0", 4, "0.0.0.0" },
		{ "pxelinux.cfg/C0A8017", 28, "192.168.1.112" },
		{ "pxelinux.cfg/c0a8017", 28, "192.168.1.112" },
		{ "pxelinux.cfg/F", 4, "240.0.0.0" },
	};
	char buf[IP_STRLEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		classify(cases[i].name, NULL);
		CHECK_INT(bn.kind, BOOT_PXELINUX);
		CHECK_INT(bn.key, BOOT_BY_SOURCE);
		CHECK_INT(bn.prefix_bits, cases[i].bits);
		CHECK_INT(ip_len(&bn.ip), 4);
		CHECK_STR(ip_format(&bn.ip, buf, sizeof(buf)), cases[i].ip);
	}
	CHECK_PLAIN("pxelinux.cfg/");
	CHECK_PLAIN("pxelinux.cfg/G");
	CHECK_PLAIN("pxelinux.cfg/0A0 ");
}

TEST(pxelinux_default)
{
	check_source(BOOT_PXELINUX, "pxelinux.cfg/default", NULL);
	check_source(BOOT_PXELINUX, "pxelinux.cfg/default", "x=1");
	CHECK_PLAIN("pxelinux.cfg/Default");
	CHECK_PLAIN("pxelinux.cfg/DEFAULT");
	CHECK_PLAIN("pxelinux.cfg/default.bak");
	CHECK_PLAIN("pxelinux.cfg");
	CHECK_PLAIN("pxelinux.0");
}

TEST(grub_names)
{
	const char *want = "52:54:00:12:ab:cd";

	check_source(BOOT_GRUB, "grub/grub.cfg", NULL);
	check_mac(BOOT_GRUB, "grub/grub.cfg-01-52-54-00-12-ab-cd", NULL, want);
	check_mac(BOOT_GRUB, "grub/grub.cfg-01-52-54-00-12-AB-CD", NULL, want);
	check_mac(BOOT_GRUB, "grub/grub.cfg-52:54:00:12:ab:cd", NULL, want);
	check_mac(BOOT_GRUB, "grub/grub.cfg-52:54:00:12:AB:CD", NULL, want);
	check_mac(BOOT_GRUB, "grub/grub.cfg-52-54-00-12-ab-cd", NULL, want);
	check_ip(BOOT_GRUB, "grub/grub.cfg-10.0.0.5", "10.0.0.5");
	check_ip(BOOT_GRUB, "grub/grub.cfg-192.168.100.200", "192.168.100.200");
	check_ip(BOOT_GRUB, "grub/grub.cfg-0A000005", "10.0.0.5");
	check_ip(BOOT_GRUB, "grub/grub.cfg-0a000005", "10.0.0.5");

	CHECK_PLAIN("grub/grub.cfg-");
	CHECK_PLAIN("grub/grub.cfg-52:54-00:12:ab:cd");	/* mixed */
	CHECK_PLAIN("grub/grub.cfg-52:54:00:12:ab");
	CHECK_PLAIN("grub/grub.cfg-52:54:00:12:ab:cd:ef");
	CHECK_PLAIN("grub/grub.cfg-2:54:00:12:ab:cd:e");
	CHECK_PLAIN("grub/grub.cfg-01-52:54:00:12:ab:cd");
	CHECK_PLAIN("grub/grub.cfg-525400.12abcd");
	CHECK_PLAIN("grub/grub.cfg-10.0.0.256");
	CHECK_PLAIN("grub/grub.cfg-10.0.0");
	CHECK_PLAIN("grub/grub.cfg-10.0.0.5.");
	CHECK_PLAIN("grub/grub.cfg-fe80::1");		/* IPv4 only */
	CHECK_PLAIN("grub/grub.cfg-0A00000");		/* GRUB's 7-digit try */
	CHECK_PLAIN("grub/grub.cfg-0A0000055");
	CHECK_PLAIN("grub/grub.cfg.bak");
	CHECK_PLAIN("grub/x86_64-efi/normal.mod");
	CHECK_PLAIN("GRUB/grub.cfg");
	CHECK_PLAIN("grub.cfg");
	CHECK_PLAIN("boot/grub/grub.cfg");
}

TEST(ipxe_names)
{
	const char *want = "52:54:00:12:ab:cd";

	check_source(BOOT_IPXE, "boot.ipxe", NULL);
	check_source(BOOT_IPXE, "boot.ipxe", "");
	check_source(BOOT_IPXE, "boot.ipxe", "arch=x86_64");
	check_source(BOOT_IPXE, "boot.ipxe", "&&");
	check_source(BOOT_IPXE, "boot.ipxe", "xmac=52:54:00:12:ab:cd");
	check_mac(BOOT_IPXE, "boot.ipxe", "mac=52:54:00:12:ab:cd", want);
	check_mac(BOOT_IPXE, "boot.ipxe", "?mac=52:54:00:12:ab:cd", want);
	check_mac(BOOT_IPXE, "boot.ipxe", "mac=52-54-00-12-AB-CD", want);
	check_mac(BOOT_IPXE, "boot.ipxe", "mac=52540012abcd", want);
	check_mac(BOOT_IPXE, "boot.ipxe", "mac=52%3A54%3a00%3A12%3Aab%3Acd",
		  want);
	check_mac(BOOT_IPXE, "boot.ipxe",
		  "arch=x86_64&mac=52:54:00:12:ab:cd&uuid=1", want);
	check_mac(BOOT_IPXE, "boot.ipxe", "a=1;mac=52:54:00:12:ab:cd", want);
	/* The first mac= decides. */
	check_mac(BOOT_IPXE, "boot.ipxe",
		  "mac=52:54:00:12:ab:cd&mac=00:00:00:00:00:01", want);

	/* A mac= that is not a MAC: a plain file. */
	CHECK_PLAIN_Q("boot.ipxe", "mac=");
	CHECK_PLAIN_Q("boot.ipxe", "mac=zz:54:00:12:ab:cd");
	CHECK_PLAIN_Q("boot.ipxe", "mac=52:54:00:12:ab");
	CHECK_PLAIN_Q("boot.ipxe", "mac=52:54:00:12:ab:cd:ef:01:02:03:04");
	CHECK_PLAIN_Q("boot.ipxe", "mac=52%3A54%3A00%3A12%3Aab%3Acd%3A");
	CHECK_PLAIN_Q("boot.ipxe", "mac=52%3");
	CHECK_PLAIN_Q("boot.ipxe", "mac=52:54:00:12:ab:cd%00");
	CHECK_PLAIN_Q("boot.ipxe",
		      "mac=5%32:54:00:12:ab:cd:aaaaaaaaaaaaaaaaaaaaaaaaaaaaa");

	check_mac(BOOT_IPXE, "ipxe/52:54:00:12:ab:cd", NULL, want);
	check_mac(BOOT_IPXE, "ipxe/52-54-00-12-AB-CD", NULL, want);
	check_mac(BOOT_IPXE, "ipxe/52540012ABCD", NULL, want);
	check_mac(BOOT_IPXE, "ipxe/52:54:00:12:ab:cd.ipxe", NULL, want);
	check_mac(BOOT_IPXE, "ipxe/52540012abcd.ipxe", NULL, want);
	CHECK_PLAIN("ipxe/52:54:00:12:ab:cd.IPXE");
	CHECK_PLAIN("ipxe/52:54:00:12:ab:cd.ipxe.ipxe");
	CHECK_PLAIN("ipxe/.ipxe");
	CHECK_PLAIN("ipxe/52:54:00:12:ab");
	CHECK_PLAIN("ipxe/x/52:54:00:12:ab:cd");
	CHECK_PLAIN("ipxe/");
	CHECK_PLAIN("ipxe");
	CHECK_PLAIN("ipxe/undionly.kpxe");
	CHECK_PLAIN("Boot.ipxe");
	CHECK_PLAIN("boot.ipxe.bak");
	CHECK_PLAIN("x/boot.ipxe");
}

TEST(classify_plain_files)
{
	CHECK_PLAIN("pxelinux.0");
	CHECK_PLAIN("ubuntu/vmlinuz");
	CHECK_PLAIN("undionly.kpxe");
	CHECK_PLAIN("a");
	classify("x", "mac=52:54:00:12:ab:cd");
	CHECK_INT(bn.kind, BOOT_FILE);
	boot_name_classify(&bn, NULL, NULL);
	CHECK_INT(bn.kind, BOOT_FILE);
}

/* Cleaning first, then classifying: the spellings a client may use. */
TEST(clean_then_classify)
{
	CHECK_INT(clean("./pxelinux.cfg//01-52-54-00-12-ab-cd"), 0);
	classify(out, NULL);
	CHECK_INT(bn.kind, BOOT_PXELINUX);
	CHECK_INT(bn.key, BOOT_BY_MAC);
	CHECK_INT(clean("grub/./grub.cfg"), 0);
	classify(out, NULL);
	CHECK_INT(bn.kind, BOOT_GRUB);
	CHECK_INT(clean("pxelinux.cfg/../pxelinux.cfg/default"), -EACCES);
}

int main(void)
{
	RUN(clean_plain);
	RUN(clean_canonical);
	RUN(clean_traversal);
	RUN(clean_empty);
	RUN(clean_control_bytes);
	RUN(clean_length);
	RUN(clean_small_cap);
	RUN(kind_names);
	RUN(pxelinux_mac);
	RUN(pxelinux_ip);
	RUN(pxelinux_prefix);
	RUN(pxelinux_default);
	RUN(grub_names);
	RUN(ipxe_names);
	RUN(classify_plain_files);
	RUN(clean_then_classify);
	return test_done();
}
