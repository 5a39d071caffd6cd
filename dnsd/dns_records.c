/*
 * The custom records IPAM stores (`racknet record add`), from their
 * canonical text to wire rdata: through ldns's parser for every type but
 * TXT, whose text IPAM keeps raw (split here into 255-byte strings).
 */
#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

#include "dns_data.h"

static int txt_rdata(const char *text, uint8_t *out, size_t cap)
{
	size_t len = strlen(text), off = 0;

	/* Character-strings of at most 255 bytes (RFC 1035 3.3.14). */
	do {
		size_t n = len > 255 ? 255 : len;

		if (off + 1 + n > cap)
			return -EINVAL;
		out[off++] = (uint8_t)n;
		memcpy(out + off, text, n);
		off += n;
		text += n;
		len -= n;
	} while (len > 0);
	return (int)off;
}

/* Record data as IPAM stores it (canonical text, names without the final
 * dot) to wire rdata. */
static int rdata_of(const char *type, const char *data, uint8_t *out,
		    size_t cap)
{
	char line[4600];
	ldns_rr *rr = NULL;
	ldns_buffer *b;
	bool name_last = !strcmp(type, "CNAME") || !strcmp(type, "NS") ||
			 !strcmp(type, "PTR") || !strcmp(type, "MX") ||
			 !strcmp(type, "SRV");
	int n;

	if (!strcmp(type, "TXT"))
		return txt_rdata(data, out, cap);
	n = snprintf(line, sizeof(line), ". 0 IN %s %s%s", type, data,
		     name_last ? "." : "");
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) != LDNS_STATUS_OK)
		return -EINVAL;
	b = ldns_buffer_new(cap);
	n = -EINVAL;
	if (b && ldns_rr_rdata2buffer_wire(b, rr) == LDNS_STATUS_OK &&
	    ldns_buffer_position(b) <= cap) {
		n = (int)ldns_buffer_position(b);
		memcpy(out, ldns_buffer_begin(b), (size_t)n);
	}
	ldns_buffer_free(b);
	ldns_rr_free(rr);
	return n;
}

static uint16_t type_code(const char *t)
{
	static const struct { const char *name; uint16_t code; } types[] = {
		{ "A", DNS_T_A }, { "AAAA", DNS_T_AAAA },
		{ "CNAME", DNS_T_CNAME }, { "TXT", DNS_T_TXT },
		{ "SRV", DNS_T_SRV }, { "MX", DNS_T_MX }, { "PTR", DNS_T_PTR },
		{ "NS", DNS_T_NS },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i].name))
			return types[i].code;
	return 0;
}

int dns_records_load(struct dns_db *db, json_t *records, uint32_t default_ttl,
		     char *err, size_t errsize)
{
	json_t *rec;
	size_t i;

	json_array_foreach(records, i, rec) {
		const char *name = json_string_value(json_object_get(rec, "name"));
		const char *type = json_string_value(json_object_get(rec, "type"));
		const char *data = json_string_value(json_object_get(rec, "data"));
		json_int_t ttl = json_integer_value(json_object_get(rec, "ttl"));
		uint8_t owner[DNS_WIRE_MAX], rdata[4400];
		uint16_t code = type ? type_code(type) : 0;
		int n, r;

		if (!name || !data || !code ||
		    dns_name_from_text(owner, name) < 0 ||
		    (n = rdata_of(type, data, rdata, sizeof(rdata))) < 0 ||
		    n > 65535) {
			snprintf(err, errsize, "record %s %s '%s' in IPAM is "
				 "not valid DNS data", name ? name : "?",
				 type ? type : "?", data ? data : "");
			return -EINVAL;
		}
		r = dns_rr_add(db, owner, code,
			       ttl > 0 ? (uint32_t)ttl : default_ttl, rdata,
			       (uint16_t)n);
		/* A record outside every zone (a reverse name of a subnet
		 * IPAM does not have) is not ours to serve. */
		if (r < 0 && r != -ENOENT) {
			snprintf(err, errsize, "record %s %s '%s': %s", name,
				 type, data, strerror(-r));
			return r;
		}
	}
	return 0;
}
