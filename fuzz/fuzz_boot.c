/*
 * libFuzzer harness for the boot server's pure code (tftpd/boot.h):
 * clean a requested path and classify it, then compile the rest of the
 * input as a template and render it. Checked after each step:
 *  - a clean path is canonical (relative, no empty, "." or ".."
 *    component, no control byte or backslash), no longer than its
 *    input, a fixed point of cleaning, and needs exactly its own length
 *    plus one of buffer; an input with a ".." component never cleans;
 *  - a classified name is consistent (a plain file has no key, hex
 *    prefixes are 4..28 bits and only for PXELINUX) and a MAC or IP it
 *    found, written back into the same kind of name, classifies the same;
 *  - a template that compiles has pieces inside its text, renders to
 *    exactly boot_tmpl_size() bytes, to the same bytes as a naive
 *    expander here, and fails with -EMSGSIZE one byte short; one that
 *    fails says why, and text without '$' never fails.
 * Deterministic: every choice comes from the input.
 *
 * Input layout (fuzz/corpus/boot/README):
 *   u16 L (big-endian), L bytes of path (cut to what is there; the
 *   part after the first '?' is the query), then the template text.
 * Invariants abort() (assert() would vanish under NDEBUG).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "fuzz.h"

static char clean[BOOT_PATH_MAX + 1], again[BOOT_PATH_MAX + 1];
static char path[BOOT_PATH_MAX + 64], query[BOOT_PATH_MAX + 64];

static const struct boot_vars vars = { .v = {
	[BV_HOSTNAME] = "node1",
	[BV_DOMAIN] = "lab.example",
	[BV_FQDN] = "node1.lab.example",
	[BV_IP] = "10.0.0.5",
	[BV_MAC] = "52:54:00:12:34:56",
	[BV_MAC_DASH] = "52-54-00-12-34-56",
	[BV_ARCH] = "",
	[BV_PROFILE] = "ubuntu",
	[BV_KERNEL] = "ubuntu/vmlinuz",
	[BV_INITRD] = NULL,
	[BV_CMDLINE] = "a=${hostname} $$ $",	/* never expanded again */
	[BV_SERVER] = "10.0.0.1",
	[BV_HTTP] = "http://[fd00::1]:8080",
} };

static bool has_dotdot(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *s = memchr(p + i, '/', len - i);
		size_t end = s ? (size_t)(s - p) : len;

		if (end - i == 2 && p[i] == '.' && p[i + 1] == '.')
			return true;
		i = end + 1;
	}
	return false;
}

static void check_clean(const char *in, size_t len)
{
	const char *why = NULL;
	size_t n;
	int rc;

	rc = boot_path_clean(clean, sizeof(clean), in, len, &why);
	if (rc < 0) {
		FUZZ_CHECK(rc == -EACCES);
		FUZZ_CHECK(why != NULL && *why);
		clean[0] = '\0';
		return;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(!has_dotdot(in, len));
	n = strlen(clean);
	FUZZ_CHECK(n > 0 && n <= len && n <= BOOT_PATH_MAX);
	FUZZ_CHECK(clean[0] != '/' && clean[n - 1] != '/');
	FUZZ_CHECK(!strstr(clean, "//"));
	FUZZ_CHECK(strcmp(clean, ".") != 0 && strncmp(clean, "./", 2) != 0);
	FUZZ_CHECK(!strstr(clean, "/./"));
	FUZZ_CHECK(n < 2 || strcmp(clean + n - 2, "/.") != 0);
	FUZZ_CHECK(!has_dotdot(clean, n));
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)clean[i];

		FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '\\');
	}
	FUZZ_CHECK(boot_path_clean(again, sizeof(again), clean, n, NULL) == 0);
	FUZZ_CHECK(strcmp(again, clean) == 0);
	/* The buffer it needs: its length and a NUL, not a byte less. */
	FUZZ_CHECK(boot_path_clean(again, n + 1, in, len, NULL) == 0);
	FUZZ_CHECK(boot_path_clean(again, n, in, len, NULL) == -EACCES);
}

static void mac_text(const struct mac_addr *m, char sep, char *buf,
		     size_t size)
{
	snprintf(buf, size, "%02X%c%02x%c%02X%c%02x%c%02X%c%02x", m->b[0], sep,
		 m->b[1], sep, m->b[2], sep, m->b[3], sep, m->b[4], sep,
		 m->b[5]);
}

/* Write a found MAC or IP back into a name of the same kind. */
static void check_roundtrip(const struct boot_name *bn)
{
	struct boot_name back;
	char name[96], mac[32];

	if (bn->key == BOOT_BY_MAC) {
		mac_text(&bn->mac, bn->kind == BOOT_IPXE ? ':' : '-', mac,
			 sizeof(mac));
		snprintf(name, sizeof(name), "%s%s%s",
			 bn->kind == BOOT_PXELINUX ? "pxelinux.cfg/01-" :
			 bn->kind == BOOT_GRUB ? "grub/grub.cfg-01-" : "ipxe/",
			 mac, bn->kind == BOOT_IPXE ? ".ipxe" : "");
		boot_name_classify(&back, name, NULL);
		FUZZ_CHECK(back.kind == bn->kind && back.key == BOOT_BY_MAC);
		FUZZ_CHECK(memcmp(&back.mac, &bn->mac, sizeof(bn->mac)) == 0);
	} else if (bn->key == BOOT_BY_IP) {
		FUZZ_CHECK(ip_len(&bn->ip) == 4);
		snprintf(name, sizeof(name), "%s%08X",
			 bn->kind == BOOT_PXELINUX ? "pxelinux.cfg/" :
			 "grub/grub.cfg-", ip_v4(&bn->ip));
		boot_name_classify(&back, name, NULL);
		FUZZ_CHECK(back.kind == bn->kind && back.key == BOOT_BY_IP);
		FUZZ_CHECK(ip_equal(&back.ip, &bn->ip));
	}
}

static void check_classify(const char *name, const char *q)
{
	struct boot_name bn;

	boot_name_classify(&bn, name, q);
	FUZZ_CHECK((unsigned)bn.kind < BOOT_KIND_MAX);
	FUZZ_CHECK((unsigned)bn.key < BOOT_KEY_MAX);
	FUZZ_CHECK(strcmp(boot_kind_name(bn.kind), "?") != 0);
	if (bn.kind == BOOT_FILE)
		FUZZ_CHECK(bn.key == BOOT_BY_SOURCE);
	if (bn.kind == BOOT_IPXE)
		FUZZ_CHECK(bn.key != BOOT_BY_IP);
	if (bn.prefix_bits) {
		FUZZ_CHECK(bn.kind == BOOT_PXELINUX);
		FUZZ_CHECK(bn.key == BOOT_BY_SOURCE);
		FUZZ_CHECK(bn.prefix_bits >= 4 && bn.prefix_bits <= 28 &&
			   bn.prefix_bits % 4 == 0);
		FUZZ_CHECK((ip_v4(&bn.ip) << bn.prefix_bits) == 0);
	}
	check_roundtrip(&bn);
}

/* A naive expander: what the compiled template must render to. */
static size_t expand(const char *t, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		const char *val, *close;
		size_t n;
		int var = -1;

		if (t[i] != '$') {
			FUZZ_CHECK(o < cap);
			out[o++] = t[i];
			continue;
		}
		FUZZ_CHECK(i + 1 < len);
		if (t[i + 1] == '$') {
			FUZZ_CHECK(o < cap);
			out[o++] = '$';
			i++;
			continue;
		}
		close = memchr(t + i, '}', len - i);
		FUZZ_CHECK(t[i + 1] == '{' && close);
		n = (size_t)(close - (t + i + 2));
		for (int v = 0; v < BV_MAX; v++)
			if (strlen(boot_var_name((enum boot_var)v)) == n &&
			    memcmp(boot_var_name((enum boot_var)v), t + i + 2,
				   n) == 0)
				var = v;
		FUZZ_CHECK(var >= 0);
		val = vars.v[var] ? vars.v[var] : "";
		n = strlen(val);
		FUZZ_CHECK(cap - o >= n);
		memcpy(out + o, val, n);
		o += n;
		i = (size_t)(close - t);
	}
	return o;
}

static void check_template(const uint8_t *text, size_t len)
{
	struct boot_tmpl t;
	char err[160];
	char *out, *want;
	size_t size, wlen;
	long n;
	int rc;

	rc = boot_tmpl_compile(&t, (const char *)text, len, err, sizeof(err));
	if (rc < 0) {
		FUZZ_CHECK(rc == -EINVAL || rc == -EFBIG || rc == -ENOMEM);
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(t.text == NULL && t.parts == NULL && t.nparts == 0);
		FUZZ_CHECK(len > BOOT_TMPL_MAX || memchr(text, '$', len));
		boot_tmpl_free(&t);
		return;
	}
	FUZZ_CHECK(t.len == len && t.nparts <= BOOT_TMPL_PARTS);
	for (size_t i = 0; i < t.nparts; i++) {
		const struct boot_tmpl_part *p = &t.parts[i];

		FUZZ_CHECK(p->var >= -1 && p->var < BV_MAX);
		FUZZ_CHECK(p->off < len || (p->len == 0 && p->off <= len));
		FUZZ_CHECK(p->len <= len - p->off);
		FUZZ_CHECK(p->var < 0 ? p->len > 0 : p->len == 0);
	}
	size = boot_tmpl_size(&t, &vars);
	/* Each piece adds at most its longest value. */
	FUZZ_CHECK(size <= len + t.nparts * 64);
	out = malloc(size + 1);
	want = malloc(size + 1);
	FUZZ_CHECK(out && want);
	n = boot_tmpl_render(&t, &vars, out, size);
	FUZZ_CHECK(n >= 0 && (size_t)n == size);
	if (size > 0)
		FUZZ_CHECK(boot_tmpl_render(&t, &vars, out, size - 1) ==
			   -EMSGSIZE);
	wlen = expand((const char *)text, len, want, size + 1);
	FUZZ_CHECK(wlen == size && memcmp(out, want, size) == 0);
	/* Without values, only the literal text is left. */
	FUZZ_CHECK(boot_tmpl_size(&t, NULL) <= len);
	free(out);
	free(want);
	boot_tmpl_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t plen, qlen = 0;
	const uint8_t *q;

	if (size < 2)
		return 0;
	plen = (size_t)data[0] << 8 | data[1];
	if (plen > size - 2)
		plen = size - 2;
	if (plen > BOOT_PATH_MAX + 32)
		plen = BOOT_PATH_MAX + 32;
	q = memchr(data + 2, '?', plen);
	if (q) {
		qlen = plen - (size_t)(q - (data + 2)) - 1;
		plen = (size_t)(q - (data + 2));
	}
	memcpy(path, data + 2, plen);	/* no NUL: len is the length */
	check_clean(path, plen);
	if (q) {
		memcpy(query, q + 1, qlen);
		query[qlen] = '\0';
	}
	if (clean[0])
		check_classify(clean, q ? query : NULL);
	/* Whatever a caller hands it, classifying never fails. */
	path[plen] = '\0';
	check_classify(path, q ? query : NULL);

	data += 2 + plen + (q ? qlen + 1 : 0);
	size -= 2 + plen + (q ? qlen + 1 : 0);
	check_template(data, size);
	return 0;
}
