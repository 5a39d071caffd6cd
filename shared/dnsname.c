/* Name checks of dnsname.h. */
#include "dnsname.h"

#include <string.h>

static bool is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

bool dns_label_valid(const char *s, size_t len, unsigned flags)
{
	if (len == 0 || len > DNS_LABEL_MAX)
		return false;
	if (s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (is_ldh(s[i]))
			continue;
		if (s[i] == '_' && (flags & DNS_NAME_UNDERSCORE))
			continue;
		return false;
	}
	return true;
}

bool dns_hostname_valid(const char *s)
{
	return s && dns_label_valid(s, strlen(s), 0);
}

bool dns_name_valid(const char *s, unsigned flags)
{
	size_t len;
	bool first = true;

	if (!s)
		return false;
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i < len;) {
		size_t j = i;

		while (j < len && s[j] != '.')
			j++;
		if (first && (flags & DNS_NAME_WILDCARD) && j - i == 1 &&
		    s[i] == '*') {
			/* "*" alone is a wildcard owner name. */
		} else if (!dns_label_valid(s + i, j - i, flags)) {
			return false;
		}
		first = false;
		i = j + 1;
		if (j < len && i == len)	/* "a..": empty last label */
			return false;
	}
	return true;
}

size_t dns_label_sanitize(char *out, size_t size, const void *in, size_t len)
{
	const unsigned char *s = in;
	size_t max = size - 1 < DNS_LABEL_MAX ? size - 1 : DNS_LABEL_MAX;
	size_t o = 0;
	bool dash = false;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len && s[i] != '.' && s[i] != '\0'; i++) {
		char c = (char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && o > 0 && o < max)
				out[o++] = '-';
			dash = false;
			if (o < max)
				out[o++] = c;
		} else {
			dash = true;
		}
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
	return o;
}
