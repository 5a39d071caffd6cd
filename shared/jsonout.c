/* JSON output helpers of jsonout.h. */
#include "jsonout.h"

#include <errno.h>

int jsonout_print(FILE *f, const json_t *v)
{
	if (json_dumpf(v, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				     JSON_ENCODE_ANY) < 0)
		return -EIO;
	/*
	 * Flush so that a write error (a full disk, say) is reported
	 * here rather than lost in the stdio buffer.
	 */
	if (fputc('\n', f) == EOF || fflush(f) == EOF)
		return -EIO;
	return 0;
}

json_t *jsonout_ip(const struct ip_addr *a)
{
	char buf[IP_STRLEN];

	return json_string(ip_format(a, buf, sizeof(buf)));
}

json_t *jsonout_cidr(const struct cidr *c)
{
	char buf[CIDR_STRLEN];

	return json_string(cidr_format(c, buf, sizeof(buf)));
}

json_t *jsonout_mac(const struct mac_addr *m)
{
	char buf[MAC_STRLEN];

	return json_string(mac_format(m, buf, sizeof(buf)));
}
