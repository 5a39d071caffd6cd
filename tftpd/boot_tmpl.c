/*
 * The template language of per-machine boot files (boot.h): text with
 * ${name} references and "$$" for a literal "$". Deliberately tiny: no
 * conditionals, no loops, no escapes beyond "$$", so a template can be
 * checked completely once, when it is loaded, and rendering cannot fail
 * except for lack of room.
 *
 * Compiling splits the text into at most BOOT_TMPL_PARTS pieces (runs of
 * literal text, adjacent runs merged, and variable references) and stops
 * at the first error with its line number, for the one log line bootfs.c
 * writes. Rendering walks the pieces: boot_tmpl_size() gives the exact
 * length, boot_tmpl_render() writes it or fails with -EMSGSIZE.
 *
 * Pure: no I/O, no globals; allocation only when compiling.
 */
#include "boot.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VAR_NAME_MAX 32		/* far longer than any name we know */

static const char *const var_names[BV_MAX] = {
	[BV_HOSTNAME] = "hostname",
	[BV_DOMAIN] = "domain",
	[BV_FQDN] = "fqdn",
	[BV_IP] = "ip",
	[BV_MAC] = "mac",
	[BV_MAC_DASH] = "mac_dash",
	[BV_ARCH] = "arch",
	[BV_PROFILE] = "profile",
	[BV_KERNEL] = "kernel",
	[BV_INITRD] = "initrd",
	[BV_CMDLINE] = "cmdline",
	[BV_SERVER] = "server",
	[BV_HTTP] = "http",
};

const char *boot_var_name(enum boot_var v)
{
	return (unsigned)v < BV_MAX ? var_names[v] : "?";
}

static int var_lookup(const char *name, size_t len)
{
	for (int i = 0; i < BV_MAX; i++)
		if (strlen(var_names[i]) == len &&
		    memcmp(var_names[i], name, len) == 0)
			return i;
	return -1;
}

/* ---- Compiling ------------------------------------------------------ */

struct compiler {
	struct boot_tmpl *t;
	size_t cap;		/* parts allocated */
	unsigned line;
	char *err;
	size_t errcap;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct compiler *c, int code, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errcap) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errcap, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A name from the file, printable for the error message. */
static void name_escape(char *dst, size_t size, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			if (size - o < 2)
				break;
			dst[o++] = (char)ch;
		} else {
			if (size - o < 5)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[ch >> 4];
			dst[o++] = hex[ch & 15];
		}
	}
	dst[o] = '\0';
}

static int add_part(struct compiler *c, size_t off, size_t len, int var)
{
	struct boot_tmpl *t = c->t;
	struct boot_tmpl_part *last = t->nparts ? &t->parts[t->nparts - 1] :
				      NULL;

	if (var < 0) {
		if (len == 0)
			return 0;
		if (last && last->var < 0 && last->off + last->len == off) {
			last->len += (uint32_t)len;
			return 0;
		}
	}
	if (t->nparts == BOOT_TMPL_PARTS)
		return fail(c, -EFBIG, "line %u: more than %d pieces of "
			    "text and variables", c->line, BOOT_TMPL_PARTS);
	if (t->nparts == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		struct boot_tmpl_part *p;

		if (ncap > BOOT_TMPL_PARTS)
			ncap = BOOT_TMPL_PARTS;
		p = realloc(t->parts, ncap * sizeof(*p));
		if (!p)
			return fail(c, -ENOMEM, "out of memory");
		t->parts = p;
		c->cap = ncap;
	}
	t->parts[t->nparts++] = (struct boot_tmpl_part){
		.off = (uint32_t)off, .len = (uint32_t)len, .var = var,
	};
	return 0;
}

static unsigned count_lines(const char *s, size_t len)
{
	unsigned n = 0;
	const char *p = s, *end = s + len;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

/* The reference starting at text[pos] == '$'; *next is where text goes on. */
static int compile_ref(struct compiler *c, size_t pos, size_t *next)
{
	const char *text = c->t->text;
	size_t len = c->t->len, start = pos + 2, j;
	char name[4 * VAR_NAME_MAX + 1];
	int var;

	if (len - pos < 2 || (text[pos + 1] != '{' && text[pos + 1] != '$'))
		return fail(c, -EINVAL,
			    "line %u: '$' must be followed by '{' or '$'",
			    c->line);
	if (text[pos + 1] == '$') {
		*next = pos + 2;
		return add_part(c, pos, 1, -1);
	}
	for (j = start; j < len && j - start <= VAR_NAME_MAX; j++)
		if (text[j] == '}' || text[j] == '\n')
			break;
	if (j < len && text[j] != '}' && text[j] != '\n')
		return fail(c, -EINVAL,
			    "line %u: variable name longer than %d bytes",
			    c->line, VAR_NAME_MAX);
	if (j == len || text[j] != '}')
		return fail(c, -EINVAL, "line %u: '${' without a closing '}'",
			    c->line);
	if (j == start)
		return fail(c, -EINVAL, "line %u: empty variable name ${}",
			    c->line);
	var = var_lookup(text + start, j - start);
	if (var < 0) {
		name_escape(name, sizeof(name), text + start, j - start);
		return fail(c, -EINVAL, "line %u: unknown variable ${%s}",
			    c->line, name);
	}
	*next = j + 1;
	return add_part(c, pos, 0, var);
}

int boot_tmpl_compile(struct boot_tmpl *t, const char *text, size_t len,
		      char *err, size_t cap)
{
	struct compiler c = { .t = t, .line = 1, .err = err, .errcap = cap };
	size_t i = 0;
	int r;

	memset(t, 0, sizeof(*t));
	if (err && cap)
		err[0] = '\0';
	if (len > BOOT_TMPL_MAX)
		return fail(&c, -EFBIG, "%zu bytes, over the %d-byte limit",
			    len, BOOT_TMPL_MAX);
	if (!text && len)
		return fail(&c, -EINVAL, "no text");
	t->text = malloc(len + 1);
	if (!t->text)
		return fail(&c, -ENOMEM, "out of memory");
	if (len)
		memcpy(t->text, text, len);
	t->text[len] = '\0';
	t->len = len;

	while (i < len) {
		const char *d = memchr(t->text + i, '$', len - i);
		size_t pos = d ? (size_t)(d - t->text) : len;

		r = add_part(&c, i, pos - i, -1);
		if (r < 0)
			goto out_fail;
		c.line += count_lines(t->text + i, pos - i);
		if (!d)
			break;
		r = compile_ref(&c, pos, &i);
		if (r < 0)
			goto out_fail;
	}
	return 0;

out_fail:
	boot_tmpl_free(t);
	return r;
}

void boot_tmpl_free(struct boot_tmpl *t)
{
	if (!t)
		return;
	free(t->text);
	free(t->parts);
	memset(t, 0, sizeof(*t));
}

/* ---- Rendering ------------------------------------------------------ */

static const char *var_value(const struct boot_vars *v, int var)
{
	if (!v || var < 0 || var >= BV_MAX || !v->v[var])
		return "";
	return v->v[var];
}

size_t boot_tmpl_size(const struct boot_tmpl *t, const struct boot_vars *v)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nparts; i++) {
		const struct boot_tmpl_part *p = &t->parts[i];
		size_t add = p->var < 0 ? p->len : strlen(var_value(v, p->var));

		if (SIZE_MAX - n < add)
			return SIZE_MAX;
		n += add;
	}
	return n;
}

long boot_tmpl_render(const struct boot_tmpl *t, const struct boot_vars *v,
		      char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < t->nparts; i++) {
		const struct boot_tmpl_part *p = &t->parts[i];
		const char *src = p->var < 0 ? t->text + p->off :
				  var_value(v, p->var);
		size_t n = p->var < 0 ? p->len : strlen(src);

		if (n == 0)
			continue;
		if (cap - o < n || (size_t)LONG_MAX - o < n)
			return -EMSGSIZE;
		memcpy(out + o, src, n);
		o += n;
	}
	return (long)o;
}
