/*
 * Host and DNS name checks (RFC 1035 2.3.1 as relaxed by RFC 1123 2.1:
 * letters, digits and hyphens, 1..63 per label, no hyphen at either end,
 * 253 characters in all). Pure code.
 */
#ifndef RACKNET_DNSNAME_H
#define RACKNET_DNSNAME_H

#include <stdbool.h>
#include <stddef.h>

#define DNS_LABEL_MAX 63
#define DNS_NAME_MAX 253

enum {
	DNS_NAME_UNDERSCORE = 1 << 0,	/* labels may hold '_' (SRV, DKIM) */
	DNS_NAME_WILDCARD = 1 << 1,	/* the first label may be "*" */
};

bool dns_label_valid(const char *s, size_t len, unsigned flags);
/* A single label: what a machine's hostname is in IPAM. */
bool dns_hostname_valid(const char *s);
/* Dotted name; one trailing dot allowed; the empty name and "." are not. */
bool dns_name_valid(const char *s, unsigned flags);

/*
 * Turn untrusted text (a DHCP client's hostname, say) into a valid label:
 * lower case, each run of other characters becomes one '-', stop at the first
 * '.', trim hyphens at both ends, at most 63 characters. Writes a
 * NUL-terminated result into out (size >= 1) and returns its length; 0 means
 * nothing usable was left.
 */
size_t dns_label_sanitize(char *out, size_t size, const void *in, size_t len);

#endif
