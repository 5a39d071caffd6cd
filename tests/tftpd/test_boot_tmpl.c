/*
 * Unit tests for tftpd/boot_tmpl.c: variable names, rendering (every
 * variable, "$$", NULL values, empty templates), every compile error by
 * its message and line number, the size and piece limits, and that
 * boot_tmpl_size() is exactly what boot_tmpl_render() writes, with
 * -EMSGSIZE one byte short. Template text is compiled from exact-size
 * heap copies without a trailing NUL, so ASan sees any overread; the
 * default templates shipped in tftpd/templates/ must compile too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "test.h"

static struct boot_tmpl t;
static char err[256];

static int compile_n(const char *text, size_t len)
{
	char *p = malloc(len ? len : 1);
	int rc;

	if (len)
		memcpy(p, text, len);
	memset(err, 'X', sizeof(err));
	rc = boot_tmpl_compile(&t, p, len, err, sizeof(err));
	free(p);	/* the template owns a copy */
	return rc;
}

static int compile(const char *text)
{
	return compile_n(text, strlen(text));
}

static const struct boot_vars node1 = { .v = {
	[BV_HOSTNAME] = "node1",
	[BV_DOMAIN] = "lab.example",
	[BV_FQDN] = "node1.lab.example",
	[BV_IP] = "10.0.0.5",
	[BV_MAC] = "52:54:00:12:34:56",
	[BV_MAC_DASH] = "52-54-00-12-34-56",
	[BV_ARCH] = "uefi-x64",
	[BV_PROFILE] = "ubuntu",
	[BV_KERNEL] = "ubuntu/vmlinuz",
	[BV_INITRD] = "ubuntu/initrd",
	[BV_CMDLINE] = "console=ttyS0 quiet",
	[BV_SERVER] = "10.0.0.1",
	[BV_HTTP] = "http://10.0.0.1:8080",
} };

static char rendered[4096];

/* Render t, checking size() == render() and -EMSGSIZE one byte short. */
static const char *render(const struct boot_vars *v)
{
	size_t size = boot_tmpl_size(&t, v);
	long n;

	memset(rendered, 'Z', sizeof(rendered));
	if (size >= sizeof(rendered)) {
		CHECK(size < sizeof(rendered));
		return "";
	}
	n = boot_tmpl_render(&t, v, rendered, size);
	CHECK_INT(n, size);
	CHECK_INT(rendered[size], 'Z');		/* no NUL, nothing past */
	if (size > 0)
		CHECK_INT(boot_tmpl_render(&t, v, rendered, size - 1),
			  -EMSGSIZE);
	n = boot_tmpl_render(&t, v, rendered, sizeof(rendered));
	CHECK_INT(n, size);
	rendered[n < 0 ? 0 : n] = '\0';
	return rendered;
}

#define CHECK_RENDERS(src, vars, want)                                    \
	do {                                                              \
		CHECK_INT(compile(src), 0);                               \
		CHECK_STR(err, "");                                       \
		CHECK_STR(render(vars), want);                            \
		boot_tmpl_free(&t);                                       \
	} while (0)

#define CHECK_ERROR(src, code, msg)                                       \
	do {                                                              \
		CHECK_INT(compile(src), code);                            \
		CHECK_STR(err, msg);                                      \
		CHECK(t.text == NULL && t.parts == NULL);                 \
		CHECK_INT(t.nparts, 0);                                   \
		CHECK_INT(t.len, 0);                                      \
		boot_tmpl_free(&t);                                       \
	} while (0)

TEST(var_names)
{
	static const char *const want[BV_MAX] = {
		"hostname", "domain", "fqdn", "ip", "mac", "mac_dash", "arch",
		"profile", "kernel", "initrd", "cmdline", "server", "http",
	};

	for (int i = 0; i < BV_MAX; i++)
		CHECK_STR(boot_var_name((enum boot_var)i), want[i]);
	CHECK_STR(boot_var_name(BV_MAX), "?");
	CHECK_STR(boot_var_name((enum boot_var)-1), "?");
}

TEST(render_every_var)
{
	char text[1024], want[1024];
	size_t o = 0, w = 0;

	for (int i = 0; i < BV_MAX; i++) {
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s=${%s}\n",
				      boot_var_name((enum boot_var)i),
				      boot_var_name((enum boot_var)i));
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%s=%s\n",
				      boot_var_name((enum boot_var)i),
				      node1.v[i]);
	}
	CHECK_RENDERS(text, &node1, want);
}

TEST(render_plain)
{
	CHECK_RENDERS("", &node1, "");
	CHECK_RENDERS("no variables\n", &node1, "no variables\n");
	CHECK_RENDERS("${hostname}", &node1, "node1");
	CHECK_RENDERS("${hostname}${ip}", &node1, "node110.0.0.5");
	CHECK_RENDERS("a${hostname}b", &node1, "anode1b");
	CHECK_RENDERS("KERNEL ${kernel}\nAPPEND initrd=${initrd} ${cmdline}\n",
		      &node1,
		      "KERNEL ubuntu/vmlinuz\n"
		      "APPEND initrd=ubuntu/initrd console=ttyS0 quiet\n");
	/* Braces and text that only look like references. */
	CHECK_RENDERS("{hostname} } { ${mac}}", &node1,
		      "{hostname} } { 52:54:00:12:34:56}");
	/* A NUL in the text is just a byte. */
	CHECK_INT(compile_n("a\0${ip}", 7), 0);
	CHECK_INT(boot_tmpl_size(&t, &node1), 10);
	CHECK_INT(boot_tmpl_render(&t, &node1, rendered, sizeof(rendered)), 10);
	CHECK(memcmp(rendered, "a\0" "10.0.0.5", 10) == 0);
	boot_tmpl_free(&t);
}

TEST(render_dollars)
{
	CHECK_RENDERS("$$", &node1, "$");
	CHECK_RENDERS("$$$$", &node1, "$$");
	CHECK_RENDERS("cost: $$5", &node1, "cost: $5");
	CHECK_RENDERS("$${hostname}", &node1, "${hostname}");
	CHECK_RENDERS("$$$${hostname}", &node1, "$${hostname}");
	CHECK_RENDERS("${hostname}$$", &node1, "node1$");
	CHECK_RENDERS("$$${hostname}", &node1, "$node1");
	/* iPXE's own ${...} settings are written with $$. */
	CHECK_RENDERS("echo $${net0/mac} ${mac}", &node1,
		      "echo ${net0/mac} 52:54:00:12:34:56");
	/* Adjacent literals merge: "a$b" is one piece. */
	CHECK_INT(compile("a$$b"), 0);
	CHECK_INT(t.nparts, 2);
	boot_tmpl_free(&t);
	CHECK_INT(compile("$$"), 0);
	CHECK_INT(t.nparts, 1);
	boot_tmpl_free(&t);
}

TEST(render_missing_values)
{
	static const struct boot_vars none = { .v = { NULL } };
	struct boot_vars some = node1;

	CHECK_RENDERS("[${hostname}][${http}]", &none, "[][]");
	CHECK_RENDERS("[${hostname}][${http}]", NULL, "[][]");
	some.v[BV_HTTP] = NULL;
	some.v[BV_HOSTNAME] = "";
	CHECK_RENDERS("[${hostname}][${http}][${ip}]", &some,
		      "[][][10.0.0.5]");
	/* An empty template with no vars at all renders nothing. */
	CHECK_INT(compile(""), 0);
	CHECK_INT(boot_tmpl_size(&t, NULL), 0);
	CHECK_INT(boot_tmpl_render(&t, NULL, NULL, 0), 0);
	boot_tmpl_free(&t);
}

/* Values are copied verbatim: no re-expansion of a value's own "${". */
TEST(render_no_reexpansion)
{
	struct boot_vars v = node1;

	v.v[BV_CMDLINE] = "a=${hostname} $$ $";
	CHECK_RENDERS("${cmdline}", &v, "a=${hostname} $$ $");
}

TEST(compile_errors)
{
	CHECK_ERROR("$", -EINVAL,
		    "line 1: '$' must be followed by '{' or '$'");
	CHECK_ERROR("price $5", -EINVAL,
		    "line 1: '$' must be followed by '{' or '$'");
	CHECK_ERROR("a\nb\n$hostname", -EINVAL,
		    "line 3: '$' must be followed by '{' or '$'");
	CHECK_ERROR("ok\n$$\nend$", -EINVAL,
		    "line 3: '$' must be followed by '{' or '$'");
	CHECK_ERROR("${", -EINVAL, "line 1: '${' without a closing '}'");
	CHECK_ERROR("${hostname", -EINVAL,
		    "line 1: '${' without a closing '}'");
	CHECK_ERROR("x\n${host\nname}", -EINVAL,
		    "line 2: '${' without a closing '}'");
	CHECK_ERROR("${}", -EINVAL, "line 1: empty variable name ${}");
	CHECK_ERROR("\n\n\n\n\n\nAPPEND ${kernal}\n", -EINVAL,
		    "line 7: unknown variable ${kernal}");
	CHECK_ERROR("${HOSTNAME}", -EINVAL,
		    "line 1: unknown variable ${HOSTNAME}");
	CHECK_ERROR("${ hostname}", -EINVAL,
		    "line 1: unknown variable ${ hostname}");
	CHECK_ERROR("${net0/mac}", -EINVAL,
		    "line 1: unknown variable ${net0/mac}");
	CHECK_ERROR("${a\tb\x01}", -EINVAL,
		    "line 1: unknown variable ${a\\x09b\\x01}");
	CHECK_ERROR("${0123456789012345678901234567890123}", -EINVAL,
		    "line 1: variable name longer than 32 bytes");
	/* Lines are counted in literal text and across "$$". */
	CHECK_ERROR("1\n2 $$\n3 ${ip}\n4\r\n5 ${x}", -EINVAL,
		    "line 5: unknown variable ${x}");
	/* err may be NULL or tiny. */
	CHECK_INT(boot_tmpl_compile(&t, "$x", 2, NULL, 0), -EINVAL);
	CHECK_INT(boot_tmpl_compile(&t, "$x", 2, err, 1), -EINVAL);
	CHECK_STR(err, "");
	CHECK_INT(boot_tmpl_compile(&t, NULL, 0, err, sizeof(err)), 0);
	boot_tmpl_free(&t);
	CHECK_INT(boot_tmpl_compile(&t, NULL, 3, err, sizeof(err)), -EINVAL);
	/* Freeing twice, or an empty template, is safe. */
	boot_tmpl_free(&t);
	boot_tmpl_free(&t);
	boot_tmpl_free(NULL);
}

TEST(size_limits)
{
	char *big = malloc(BOOT_TMPL_MAX + 1);

	memset(big, 'a', BOOT_TMPL_MAX + 1);
	CHECK_INT(compile_n(big, BOOT_TMPL_MAX), 0);
	CHECK_INT(boot_tmpl_size(&t, &node1), BOOT_TMPL_MAX);
	boot_tmpl_free(&t);
	CHECK_INT(compile_n(big, BOOT_TMPL_MAX + 1), -EFBIG);
	CHECK_CONTAINS(err, "over the 65536-byte limit");
	CHECK(t.text == NULL);
	free(big);
}

TEST(part_limits)
{
	/* "${ip}x" is two pieces: 512 of them make exactly the limit. */
	size_t n = BOOT_TMPL_PARTS / 2, len = n * 6;
	char *text = malloc(len + 8);

	for (size_t i = 0; i < n; i++)
		memcpy(text + i * 6, "${ip}x", 6);
	CHECK_INT(compile_n(text, len), 0);
	CHECK_INT(t.nparts, BOOT_TMPL_PARTS);
	CHECK_INT(boot_tmpl_size(&t, &node1), n * 9);
	boot_tmpl_free(&t);
	/* One more variable is one piece too many. */
	memcpy(text + len, "${ip}", 5);
	CHECK_INT(compile_n(text, len + 5), -EFBIG);
	CHECK_CONTAINS(err, "more than 1024 pieces");
	CHECK(t.parts == NULL);
	/* Back-to-back variables with no text between them. */
	free(text);
	text = malloc(5 * (BOOT_TMPL_PARTS + 1));
	for (size_t i = 0; i < BOOT_TMPL_PARTS + 1; i++)
		memcpy(text + 5 * i, "${ip}", 5);
	CHECK_INT(compile_n(text, 5 * BOOT_TMPL_PARTS), 0);
	CHECK_INT(t.nparts, BOOT_TMPL_PARTS);
	boot_tmpl_free(&t);
	CHECK_INT(compile_n(text, 5 * (BOOT_TMPL_PARTS + 1)), -EFBIG);
	/* Each "$$" ends a piece (its second '$' is skipped). */
	free(text);
	text = malloc(2 * (BOOT_TMPL_PARTS + 1));
	for (size_t i = 0; i < BOOT_TMPL_PARTS + 1; i++)
		memcpy(text + 2 * i, "$$", 2);
	CHECK_INT(compile_n(text, 2 * BOOT_TMPL_PARTS), 0);
	CHECK_INT(t.nparts, BOOT_TMPL_PARTS);
	CHECK_INT(boot_tmpl_size(&t, NULL), BOOT_TMPL_PARTS);
	boot_tmpl_free(&t);
	CHECK_INT(compile_n(text, 2 * (BOOT_TMPL_PARTS + 1)), -EFBIG);
	free(text);
}

TEST(render_small_buffers)
{
	char buf[64];

	CHECK_INT(compile("ab${hostname}cd"), 0);
	for (size_t cap = 0; cap < 9; cap++) {
		memset(buf, 'Z', sizeof(buf));
		CHECK_INT(boot_tmpl_render(&t, &node1, buf, cap), -EMSGSIZE);
		for (size_t i = cap; i < sizeof(buf); i++)
			CHECK_INT(buf[i], 'Z');
	}
	CHECK_INT(boot_tmpl_render(&t, &node1, buf, 9), 9);
	CHECK(memcmp(buf, "abnode1cd", 9) == 0);
	boot_tmpl_free(&t);
}

/*
 * tftpd/templates/, found from this file's own path (CMake compiles it
 * by its absolute name): the tests need no install step.
 */
static void templates_dir(char *buf, size_t size)
{
	const char *me = __FILE__, *tail = strstr(me, "tests/tftpd/");
	int n = tail ? (int)(tail - me) : 0;

	snprintf(buf, size, "%.*stftpd/templates", n, me);
}

/* The templates racknet ships compile and render. */
TEST(default_templates)
{
	static const char *const names[] = {
		"pxelinux.tmpl", "pxelinux-local.tmpl", "grub.tmpl",
		"grub-local.tmpl", "ipxe.tmpl", "ipxe-local.tmpl",
	};

	char dir[512];

	templates_dir(dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[600], text[8192];
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "r");
		CHECK(f != NULL);
		if (!f)
			continue;
		n = fread(text, 1, sizeof(text), f);
		fclose(f);
		CHECK(n > 0 && n < sizeof(text));
		if (compile_n(text, n) != 0) {
			fprintf(stderr, "%s: %s\n", path, err);
			CHECK(0);
			continue;
		}
		render(&node1);
		if (strstr(names[i], "local") == NULL)
			CHECK_CONTAINS(rendered, "ubuntu/vmlinuz");
		if (strncmp(names[i], "ipxe", 4) == 0)
			CHECK(strncmp(rendered, "#!ipxe\n", 7) == 0);
		boot_tmpl_free(&t);
	}
}

int main(void)
{
	RUN(var_names);
	RUN(render_every_var);
	RUN(render_plain);
	RUN(render_dollars);
	RUN(render_missing_values);
	RUN(render_no_reexpansion);
	RUN(compile_errors);
	RUN(size_limits);
	RUN(part_limits);
	RUN(render_small_buffers);
	RUN(default_templates);
	return test_done();
}
