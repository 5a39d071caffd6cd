/* Test helper: a dotted name to wire format keeping its case (the
 * product's dns_name_from_text() lowers it, which 0x20 tests must not). */
#ifndef RACKNET_TEST_NAME_WIRE_H
#define RACKNET_TEST_NAME_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline size_t name_wire(uint8_t *w, const char *text)
{
	size_t o = 0;

	if (strcmp(text, ".") == 0)
		text++;
	while (*text) {
		const char *dot = strchr(text, '.');
		size_t n = dot ? (size_t)(dot - text) : strlen(text);

		w[o++] = (uint8_t)n;
		memcpy(w + o, text, n);
		o += n;
		text += n + (dot ? 1 : 0);
	}
	w[o++] = 0;
	return o;
}

#endif
