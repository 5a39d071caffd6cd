/*
 * Two processes allocate thousands of addresses from one subnet at the same
 * time, each allocation its own durable transaction: no address is handed
 * out twice and none is lost.
 */
#include <sys/wait.h>

#include "fixture.h"

#define PER_CHILD 1500

static struct fixture fx;
static int64_t pool_subnet;

/* Child k: allocate PER_CHILD leases, print "mac ip" per line to out. */
static int child(int k, const char *out)
{
	char err[IPAM_ERRLEN], ip[IP_STRLEN], mac[MAC_STRLEN];
	struct ipam *db;
	FILE *f = fopen(out, "w");
	int fails = 0;

	if (!f || ipam_open(fx.path, 0, &db, err, sizeof(err)) < 0)
		return 2;
	for (unsigned i = 0; i < PER_CHILD; i++) {
		struct ipam_client c = fx_client((unsigned)k << 12 | i);
		struct ipam_lease l;

		if (ipam_lease_alloc(db, pool_subnet, &c, NULL, 3600, 1000, 0,
				     &l) < 0) {
			if (fails++ == 0)
				fprintf(stderr, "child %d: %s\n", k,
					ipam_error(db));
			continue;
		}
		fprintf(f, "%s %s\n", mac_format(&c.mac, mac, sizeof(mac)),
			fx_ip(&l, ip));
		/* Real writers pause between transactions (dhcpd waits for
		 * packets); without it SQLite's sleeping busy handler lets one
		 * tight loop hold the lock and the two barely interleave. */
		usleep(200);
	}
	ipam_close(db);
	return fclose(f) == 0 && fails == 0 ? 0 : 1;
}

TEST(two_processes_one_pool)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_subnet_opts o = { .fabric = "lab", .vid = 0, .managed = -1 };
	char out[2][128], line[64];
	pid_t pid[2];
	json_t *leases, *byip = json_object();
	int lines = 0, status;
	size_t i;
	json_t *l;

	fx_lab(db);
	CHECK_INT(ipam_subnet_add(db, "10.16.0.0/20", &o), 0);
	CHECK_INT(ipam_range_add(db, "10.16.0.0/20", "10.16.0.10",
				 "10.16.15.250", "dynamic", NULL), 0);
	{
		struct ip_addr net;

		ip_parse(&net, "10.16.0.0");
		CHECK_INT(ipam_subnet_find(db, &net, &pool_subnet), 0);
	}
	ipam_close(db);
	for (int k = 0; k < 2; k++) {
		snprintf(out[k], sizeof(out[k]), "%s/child%d", fx.dir, k);
		pid[k] = fork();
		if (pid[k] == 0)
			_exit(child(k, out[k]));
	}
	for (int k = 0; k < 2; k++) {
		CHECK(waitpid(pid[k], &status, 0) == pid[k]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	/* Every address reported once, to the MAC the database names. */
	for (int k = 0; k < 2; k++) {
		FILE *f = fopen(out[k], "r");
		char mac[32], ip[64];

		CHECK(f != NULL);
		while (f && fgets(line, sizeof(line), f) &&
		       sscanf(line, "%31s %63s", mac, ip) == 2) {
			CHECK(json_object_get(byip, ip) == NULL);
			json_object_set_new(byip, ip, json_string(mac));
			lines++;
		}
		if (f)
			fclose(f);
		unlink(out[k]);
	}
	CHECK_INT(lines, 2 * PER_CHILD);
	db = fx_open_existing(&fx);
	leases = ipam_lease_list(db, "10.16.0.0/20", false, 1000);
	CHECK_INT(json_array_size(leases), 2 * PER_CHILD);
	/* How often ownership switches between the children along the
	 * pool: a sign they really ran at once (reported, not asserted). */
	int switches = 0;
	char prev = 0;

	json_array_foreach(leases, i, l) {
		const char *ip = json_string_value(json_object_get(l, "ip"));
		json_t *mac = json_object_get(byip, ip);
		const char *m = json_string_value(json_object_get(l, "mac"));

		if (m && strlen(m) > 12 && m[12] != prev) {
			switches += prev != 0;
			prev = m[12];
		}

		CHECK(mac != NULL);
		if (mac)
			CHECK_STR(json_string_value(json_object_get(l, "mac")),
				  json_string_value(mac));
	}
	printf("interleaving: %d switches between the two writers\n", switches);
	json_decref(leases);
	json_decref(byip);
	fx_close(&fx);
}

int main(void)
{
	RUN(two_processes_one_pool);
	return test_done();
}
