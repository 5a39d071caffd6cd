/*
 * lease_helper: give a client a lease the way dhcpd would, so the CLI tests
 * can check what `racknet lease ...` and `racknet address ...` show. The CLI
 * itself cannot create leases.
 *
 *   lease_helper DB CIDR MAC [HOSTNAME|-] [SECONDS] [AGE]
 *
 * Opens DB, finds the subnet CIDR (by its network address), calls
 * ipam_lease_alloc for MAC (hostname optional, "-" for none) for SECONDS
 * (default 3600), as if it happened AGE seconds ago (default 0: now; an AGE
 * larger than SECONDS makes an already expired lease), and prints
 * "IP STATE EXPIRY" on stdout. Exit 0 ok, 1 the IPAM refused (its message on
 * stderr), 2 bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "ipam.h"

static int usage(void)
{
	fprintf(stderr, "usage: lease_helper DB CIDR MAC [HOSTNAME|-] "
		"[SECONDS] [AGE]\n");
	return 2;
}

static int parse_u32(const char *s, uint32_t *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!s[0] || *end || errno || v > UINT32_MAX)
		return -1;
	*ret = (uint32_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct ipam_client client;
	struct ipam_lease lease;
	char err[IPAM_ERRLEN], ipbuf[IP_STRLEN];
	struct ip_addr net;
	struct cidr cidr;
	struct ipam *db;
	uint32_t secs = 3600, age = 0;
	int64_t sid;
	int r;

	if (argc < 4 || argc > 7)
		return usage();
	memset(&client, 0, sizeof(client));
	if (cidr_parse(&cidr, argv[2]) != 0) {
		fprintf(stderr, "lease_helper: '%s' is not a canonical CIDR\n",
			argv[2]);
		return 2;
	}
	if (mac_parse(&client.mac, argv[3]) < 0) {
		fprintf(stderr, "lease_helper: '%s' is not a MAC\n", argv[3]);
		return 2;
	}
	if (argc > 4 && strcmp(argv[4], "-"))
		client.hostname = argv[4];
	if ((argc > 5 && parse_u32(argv[5], &secs) < 0) ||
	    (argc > 6 && parse_u32(argv[6], &age) < 0))
		return usage();

	r = ipam_open(argv[1], 0, &db, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "lease_helper: %s\n", err);
		return 1;
	}
	cidr_first(&cidr, &net);
	r = ipam_subnet_find(db, &net, &sid);
	if (r == 0)
		r = ipam_lease_alloc(db, sid, &client, NULL, secs,
				     (int64_t)time(NULL) - age, 0, &lease);
	if (r < 0) {
		fprintf(stderr, "lease_helper: %s\n", ipam_error(db));
		ipam_close(db);
		return 1;
	}
	printf("%s %s %" PRId64 "\n", ip_format(&lease.ip, ipbuf, sizeof(ipbuf)),
	       ipam_state_name(lease.state), lease.expiry);
	ipam_close(db);
	return 0;
}
