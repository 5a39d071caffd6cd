/*
 * JSON output through jansson: the one way racknet binaries print JSON, and
 * converters from racknet's address types to JSON values.
 */
#ifndef RACKNET_JSONOUT_H
#define RACKNET_JSONOUT_H

#include <jansson.h>
#include <stdio.h>

#include "addr.h"

/* Pretty-printed, key order preserved, newline-terminated. 0 or -EIO. */
int jsonout_print(FILE *f, const json_t *v);
json_t *jsonout_ip(const struct ip_addr *a);
json_t *jsonout_cidr(const struct cidr *c);
json_t *jsonout_mac(const struct mac_addr *m);

#endif
