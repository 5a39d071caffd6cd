/*
 * Competing DHCP servers (ipam_rogue.c): sightings and how they merge,
 * news, gone and back, the allow-list, the VLANs that must stop serving,
 * the probe queue between the CLI and dhcpd, and a dry-run allocation
 * (what dhcpd offers another racknet's probe) that changes nothing.
 */
#include <errno.h>
#include <sys/socket.h>

#include "fixture.h"

static struct fixture fx;

/* A sighting of server 10.0.0.S with MAC 02:00:00:00:00:S on ifname. */
static struct ipam_dhcp_seen seen(unsigned s, const char *ifname,
				  const char *via)
{
	struct ipam_dhcp_seen x = {
		.mac = { { 2, 0, 0, 0, 0, (unsigned char)s } },
		.has_mac = true, .ifname = ifname, .via = via,
	};

	ip_set_v4(&x.server_id, 0x0a000000u | s);
	x.src_ip = x.server_id;
	return x;
}

static json_t *row(json_t *arr, size_t i)
{
	return json_array_get(arr, i);
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "(null)";
}

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static bool flag(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

TEST(observe_merges)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_dhcp_seen a = seen(250, "br0", "probe");
	struct ipam_dhcp_seen req = seen(250, "br0", "request");
	struct ipam_dhcp_seen b = seen(251, "br0", "request");
	bool allowed = true;
	json_t *l;

	fx_lab(db);
	ip_parse(&a.offered, "10.0.0.100");
	a.vlan_id = 1;
	/* New, then the same row again: news once. */
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1000, &allowed), 1);
	CHECK(!allowed);
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1010, NULL), 0);
	/* A client's REQUEST naming it (no MAC, no source) joins its row. */
	req.has_mac = false;
	req.src_ip.family = 0;
	CHECK_INT(ipam_dhcp_server_observe(db, &req, 1020, &allowed), 0);
	l = ipam_dhcp_server_list(db, 0);
	CHECK_INT(json_array_size(l), 1);
	CHECK_STR(str(row(l, 0), "server_id"), "10.0.0.250");
	CHECK_STR(str(row(l, 0), "source"), "10.0.0.250");
	CHECK_STR(str(row(l, 0), "mac"), "02:00:00:00:00:fa");
	CHECK_STR(str(row(l, 0), "interface"), "br0");
	CHECK_STR(str(row(l, 0), "vlan"), "lab/0");
	CHECK_STR(str(row(l, 0), "offered"), "10.0.0.100");
	CHECK_INT(num(row(l, 0), "count"), 3);
	CHECK_STR(str(row(l, 0), "via"), "request");
	CHECK_STR(str(row(l, 0), "state"), "active");
	CHECK(json_is_false(json_object_get(row(l, 0), "allowed")));
	CHECK_STR(str(row(l, 0), "first_seen"), "1970-01-01T00:16:40Z");
	CHECK_STR(str(row(l, 0), "last_seen"), "1970-01-01T00:17:00Z");
	json_decref(l);

	/* A REQUEST first makes a MAC-less row, which an offer fills in. */
	b.has_mac = false;
	b.src_ip.family = 0;
	CHECK_INT(ipam_dhcp_server_observe(db, &b, 1100, NULL), 1);
	CHECK_INT(ipam_dhcp_server_observe(db, &b, 1101, NULL), 0);
	l = ipam_dhcp_server_list(db, 1100);
	CHECK_INT(json_array_size(l), 1);
	CHECK(json_is_null(json_object_get(row(l, 0), "mac")));
	CHECK(json_is_null(json_object_get(row(l, 0), "source")));
	CHECK(json_is_null(json_object_get(row(l, 0), "vlan")));
	json_decref(l);
	b = seen(251, "br0", "offer");
	CHECK_INT(ipam_dhcp_server_observe(db, &b, 1102, NULL), 0);
	l = ipam_dhcp_server_list(db, 1100);
	CHECK_INT(json_array_size(l), 1);
	CHECK_STR(str(row(l, 0), "mac"), "02:00:00:00:00:fb");
	CHECK_STR(str(row(l, 0), "source"), "10.0.0.251");
	CHECK_INT(num(row(l, 0), "count"), 3);
	json_decref(l);

	/* Another MAC, or another interface, is another row. */
	a = seen(250, "br0", "offer");
	a.mac.b[0] = 6;
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1200, NULL), 1);
	a = seen(250, "tap42", "offer");
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1201, NULL), 1);
	/* A REQUEST on tap42 joins the row there. */
	req = seen(250, "tap42", "request");
	req.has_mac = false;
	CHECK_INT(ipam_dhcp_server_observe(db, &req, 1202, NULL), 0);
	l = ipam_dhcp_server_list(db, 0);
	CHECK_INT(json_array_size(l), 4);
	/* Most recent first; since filters on last_seen. */
	CHECK_STR(str(row(l, 0), "interface"), "tap42");
	CHECK_INT(num(row(l, 0), "count"), 2);
	json_decref(l);
	l = ipam_dhcp_server_list(db, 1201);
	CHECK_INT(json_array_size(l), 1);
	json_decref(l);

	/* A server identifier is IPv4. */
	ip_parse(&a.server_id, "fd00::1");
	CHECK_FAILS(db, ipam_dhcp_server_observe(db, &a, 1300, NULL), -EINVAL,
		    "IPv4 server identifier");
	a.server_id.family = 0;
	CHECK_FAILS(db, ipam_dhcp_server_observe(db, &a, 1300, NULL), -EINVAL,
		    "IPv4 server identifier");

	CHECK_FAILS(db, ipam_dhcp_server_rm(db, "10.0.0.9"), -ENOENT,
		    "no DHCP server 10.0.0.9 has been seen");
	CHECK_FAILS(db, ipam_dhcp_server_rm(db, "nope"), -EINVAL,
		    "server identifier 'nope' is not an IP address");
	CHECK_INT(ipam_dhcp_server_rm(db, "10.0.0.250"), 0);
	l = ipam_dhcp_server_list(db, 0);
	CHECK_INT(json_array_size(l), 1);
	json_decref(l);
	fx_close(&fx);
}

TEST(gone_and_back)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_dhcp_seen a = seen(250, "br0", "probe");
	struct ipam_dhcp_seen b = seen(251, "br0", "offer");
	json_t *l;

	CHECK_INT(ipam_setting_set(db, "dhcp-server-timeout", "100"), 0);
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1000, NULL), 1);
	CHECK_INT(ipam_dhcp_server_observe(db, &b, 1050, NULL), 1);
	/* Unseen for exactly the timeout: still active. */
	l = ipam_dhcp_server_expire(db, 1100);
	CHECK_INT(json_array_size(l), 0);
	json_decref(l);
	/* Past it: a goes, once, and is said to be gone. */
	l = ipam_dhcp_server_expire(db, 1101);
	CHECK_INT(json_array_size(l), 1);
	CHECK_STR(str(row(l, 0), "server_id"), "10.0.0.250");
	CHECK_STR(str(row(l, 0), "state"), "gone");
	CHECK_STR(str(row(l, 0), "via"), "probe");
	json_decref(l);
	l = ipam_dhcp_server_expire(db, 1102);
	CHECK_INT(json_array_size(l), 0);
	json_decref(l);
	l = ipam_dhcp_server_list(db, 0);
	CHECK_INT(json_array_size(l), 2);
	CHECK_STR(str(row(l, 0), "state"), "active");	/* b, seen last */
	CHECK_STR(str(row(l, 1), "state"), "gone");
	json_decref(l);
	/* Seen again: news, and active. */
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1200, NULL), 1);
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1201, NULL), 0);
	l = ipam_dhcp_server_list(db, 1200);
	CHECK_INT(json_array_size(l), 1);
	CHECK_STR(str(row(l, 0), "state"), "active");
	CHECK_INT(num(row(l, 0), "count"), 3);
	json_decref(l);
	/* The default timeout is 1800 s. */
	CHECK_INT(ipam_setting_unset(db, "dhcp-server-timeout"), 0);
	l = ipam_dhcp_server_expire(db, 1201 + 1800);
	CHECK_INT(json_array_size(l), 1);		/* b */
	json_decref(l);
	l = ipam_dhcp_server_expire(db, 1201 + 1801);
	CHECK_INT(json_array_size(l), 1);		/* a */
	json_decref(l);
	fx_close(&fx);
}

/* Anyone can make up server identifiers: the table holds at most
 * dhcp-server-max rows; a gone one makes room, active ones never go. */
TEST(bounded)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_dhcp_seen x;
	json_t *l;

	CHECK_INT(ipam_setting_set(db, "dhcp-server-max", "16"), 0);
	CHECK_INT(ipam_setting_set(db, "dhcp-server-timeout", "100"), 0);
	for (unsigned i = 1; i <= 16; i++) {
		x = seen(i, "br0", "offer");
		CHECK_INT(ipam_dhcp_server_observe(db, &x, 1000 + i, NULL), 1);
	}
	x = seen(17, "br0", "offer");
	CHECK_FAILS(db, ipam_dhcp_server_observe(db, &x, 1100, NULL), -ENOSPC,
		    "16 competing DHCP servers are recorded and active "
		    "(dhcp-server-max): a new one is not recorded");
	/* Known servers are still seen. */
	x = seen(3, "br0", "offer");
	CHECK_INT(ipam_dhcp_server_observe(db, &x, 1100, NULL), 0);
	/* 1 and 2 are gone (3 was just seen): 17 and 18 take their rows,
	 * the least recently seen first. */
	l = ipam_dhcp_server_expire(db, 1103);
	CHECK_INT(json_array_size(l), 2);
	json_decref(l);
	x = seen(17, "br0", "offer");
	CHECK_INT(ipam_dhcp_server_observe(db, &x, 1104, NULL), 1);
	l = ipam_dhcp_server_list(db, 0);
	CHECK_INT(json_array_size(l), 16);
	CHECK_STR(str(row(l, 15), "server_id"), "10.0.0.2");
	json_decref(l);
	x = seen(18, "br0", "offer");
	CHECK_INT(ipam_dhcp_server_observe(db, &x, 1105, NULL), 1);
	x = seen(19, "br0", "offer");
	CHECK_INT(ipam_dhcp_server_observe(db, &x, 1106, NULL), -ENOSPC);
	fx_close(&fx);
}

TEST(allow_list)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_dhcp_seen a = seen(250, "br0", "probe");
	struct ipam_dhcp_seen req = seen(252, "br0", "request");
	bool allowed = false;
	int64_t gen;
	json_t *l;

	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1000, &allowed), 1);
	CHECK(!allowed);
	/* By server identifier. */
	CHECK_INT(ipam_dhcp_server_allow(db, "10.0.0.250", "site DHCP"), 0);
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1001, &allowed), 0);
	CHECK(allowed);
	l = ipam_dhcp_server_list(db, 0);
	CHECK(flag(row(l, 0), "allowed"));
	json_decref(l);
	CHECK_FAILS(db, ipam_dhcp_server_allow(db, "10.0.0.250", NULL),
		    -EEXIST, "DHCP server 10.0.0.250 is already on the "
		    "allow-list");
	CHECK_INT(ipam_dhcp_server_disallow(db, "10.0.0.250"), 0);
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1002, &allowed), 0);
	CHECK(!allowed);
	/* By MAC, in any spelling. */
	CHECK_INT(ipam_dhcp_server_allow(db, "02-00-00-00-00-FA", ""), 0);
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1003, &allowed), 0);
	CHECK(allowed);
	CHECK_FAILS(db, ipam_dhcp_server_allow(db, "02:00:00:00:00:fa", NULL),
		    -EEXIST, "already on the allow-list");
	/* A MAC-less sighting is allowed by its identifier only. */
	req.has_mac = false;
	CHECK_INT(ipam_dhcp_server_allow(db, "02:00:00:00:00:fc", NULL), 0);
	CHECK_INT(ipam_dhcp_server_observe(db, &req, 1004, &allowed), 1);
	CHECK(!allowed);
	CHECK_INT(ipam_dhcp_server_allow(db, "10.0.0.252", "other rack"), 0);
	CHECK_INT(ipam_dhcp_server_observe(db, &req, 1005, &allowed), 0);
	CHECK(allowed);

	l = ipam_dhcp_server_allowed(db);
	CHECK_INT(json_array_size(l), 3);
	CHECK_STR(str(row(l, 0), "who"), "02:00:00:00:00:fa");
	CHECK(json_is_null(json_object_get(row(l, 0), "comment")));
	CHECK_STR(str(row(l, 2), "who"), "10.0.0.252");
	CHECK_STR(str(row(l, 2), "comment"), "other rack");
	json_decref(l);

	/* Errors name the problem and change nothing. */
	gen = ipam_feed_generation(db);
	CHECK_FAILS(db, ipam_dhcp_server_disallow(db, "10.0.0.9"), -ENOENT,
		    "DHCP server 10.0.0.9 is not on the allow-list");
	CHECK_FAILS(db, ipam_dhcp_server_disallow(db, "02:00:00:00:00:01"),
		    -ENOENT, "is not on the allow-list");
	CHECK_FAILS(db, ipam_dhcp_server_allow(db, "zz:zz", NULL), -EINVAL,
		    "'zz:zz' is neither a DHCP server identifier (an IPv4 "
		    "address) nor a MAC address");
	CHECK_FAILS(db, ipam_dhcp_server_allow(db, "fd00::1", NULL), -EINVAL,
		    "'fd00::1' cannot be a DHCP server identifier");
	CHECK_FAILS(db, ipam_dhcp_server_disallow(db, ""), -EINVAL,
		    "is neither");
	CHECK_FAILS(db, ipam_dhcp_server_allow(db, "10.0.0.7", "a\nb"),
		    -EINVAL, "the comment must be printable text");
	CHECK_INT(ipam_feed_generation(db), gen);
	/* The allow-list is in the change feed, as "dhcp_allow". */
	CHECK_INT(ipam_dhcp_server_disallow(db, "02:00:00:00:00:FA"), 0);
	CHECK_INT(ipam_feed_generation(db), gen + 1);
	fx_close(&fx);
}

TEST(rogue_vlans)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_vlan_opts on = { .dhcp = -1, .stop_on_rogue = 1 };
	struct ipam_vlan_opts same = { .dhcp = -1, .stop_on_rogue = -1 };
	struct ipam_dhcp_seen a = seen(250, "tap42", "probe");
	struct ipam_dhcp_seen b = seen(250, "br42", "request");
	struct ipam_dhcp_seen c = seen(251, "br0", "offer");
	json_t *l, *v;

	fx_lab(db);			/* VLAN ids: lab/0 1, lab/42 2 */
	l = ipam_dhcp_rogue_vlans(db);
	CHECK_INT(json_array_size(l), 0);
	json_decref(l);
	CHECK_INT(ipam_vlan_set(db, "lab", 42, &on), 0);
	CHECK_INT(ipam_vlan_set(db, "lab", 42, &same), 0);	/* unchanged */
	v = ipam_vlan_show(db, "lab", 42);
	CHECK(flag(v, "stop_on_rogue"));
	CHECK_INT(json_array_size(json_object_get(v, "competing_dhcp")), 0);
	json_decref(v);

	/* The same server seen on two interfaces of lab/42, once without
	 * a MAC: one row, with the MAC. One on lab/0, which does not stop. */
	a.vlan_id = 2;
	b.vlan_id = 2;
	b.has_mac = false;
	c.vlan_id = 1;
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 1000, NULL), 1);
	CHECK_INT(ipam_dhcp_server_observe(db, &b, 1000, NULL), 1);
	CHECK_INT(ipam_dhcp_server_observe(db, &c, 1000, NULL), 1);
	l = ipam_dhcp_rogue_vlans(db);
	CHECK_INT(json_array_size(l), 1);
	CHECK_INT(num(row(l, 0), "vlan_id"), 2);
	CHECK_STR(str(row(l, 0), "vlan"), "lab/42");
	CHECK_STR(str(row(l, 0), "server_id"), "10.0.0.250");
	CHECK_STR(str(row(l, 0), "mac"), "02:00:00:00:00:fa");
	json_decref(l);

	/* vlan list says which VLANs have an unknown server; show lists
	 * every active one there. */
	l = ipam_vlan_list(db, "lab");
	CHECK_INT(json_array_size(l), 2);
	CHECK(flag(row(l, 0), "competing_dhcp"));		/* lab/0 */
	CHECK(!flag(row(l, 0), "stop_on_rogue"));
	CHECK(flag(row(l, 1), "competing_dhcp"));		/* lab/42 */
	CHECK(flag(row(l, 1), "stop_on_rogue"));
	json_decref(l);
	v = ipam_vlan_show(db, "lab", 42);
	l = json_object_get(v, "competing_dhcp");
	CHECK_INT(json_array_size(l), 2);
	CHECK_STR(str(row(l, 0), "server_id"), "10.0.0.250");
	CHECK(json_is_false(json_object_get(row(l, 0), "allowed")));
	CHECK(json_object_get(row(l, 0), "last_seen") != NULL);
	CHECK(json_object_get(row(l, 0), "interface") != NULL);
	json_decref(v);

	/* Allowed: no reason to stop, and not flagged; still shown. */
	CHECK_INT(ipam_dhcp_server_allow(db, "10.0.0.250", NULL), 0);
	l = ipam_dhcp_rogue_vlans(db);
	CHECK_INT(json_array_size(l), 0);
	json_decref(l);
	l = ipam_vlan_list(db, "lab");
	CHECK(!flag(row(l, 1), "competing_dhcp"));
	json_decref(l);
	v = ipam_vlan_show(db, "lab", 42);
	l = json_object_get(v, "competing_dhcp");
	CHECK_INT(json_array_size(l), 2);
	CHECK(flag(row(l, 0), "allowed"));
	json_decref(v);
	CHECK_INT(ipam_dhcp_server_disallow(db, "10.0.0.250"), 0);

	/* Gone: nothing to stop for, and show lists only active rows. */
	CHECK_INT(ipam_setting_set(db, "dhcp-server-timeout", "10"), 0);
	l = ipam_dhcp_server_expire(db, 2000);
	CHECK_INT(json_array_size(l), 3);
	json_decref(l);
	l = ipam_dhcp_rogue_vlans(db);
	CHECK_INT(json_array_size(l), 0);
	json_decref(l);
	v = ipam_vlan_show(db, "lab", 42);
	CHECK_INT(json_array_size(json_object_get(v, "competing_dhcp")), 0);
	json_decref(v);
	/* Back, then the policy turned off. */
	CHECK_INT(ipam_dhcp_server_observe(db, &a, 2001, NULL), 1);
	l = ipam_dhcp_rogue_vlans(db);
	CHECK_INT(json_array_size(l), 1);
	json_decref(l);
	on.stop_on_rogue = 0;
	CHECK_INT(ipam_vlan_set(db, "lab", 42, &on), 0);
	l = ipam_dhcp_rogue_vlans(db);
	CHECK_INT(json_array_size(l), 0);
	json_decref(l);
	fx_close(&fx);
}

TEST(probe_queue)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_dhcp_probe p;
	int64_t id1 = 0, id2 = 0, id3 = 0, gen;
	json_t *g;

	fx_lab(db);
	CHECK_INT(ipam_dhcp_probe_take(db, 1000, &p), 0);
	gen = ipam_feed_generation(db);
	CHECK_INT(ipam_dhcp_probe_request(db, NULL, NULL, 1000, &id1), 0);
	CHECK_INT(ipam_dhcp_probe_request(db, "tap42", "lab/42", 1001, &id2),
		  0);
	CHECK_INT(ipam_dhcp_probe_request(db, "", "", 1002, &id3), 0);
	CHECK(id1 > 0 && id2 > id1 && id3 > id2);
	CHECK_INT(ipam_feed_generation(db), gen);	/* a queue, no feed */
	g = ipam_dhcp_probe_get(db, id2);
	CHECK_STR(str(g, "interface"), "tap42");
	CHECK_STR(str(g, "vlan"), "lab/42");
	CHECK(json_is_null(json_object_get(g, "started")));
	CHECK(json_is_null(json_object_get(g, "done")));
	json_decref(g);

	/* Oldest first, each once. */
	CHECK_INT(ipam_dhcp_probe_take(db, 1003, &p), 1);
	CHECK_INT(p.id, id1);
	CHECK_STR(p.ifname, "");
	CHECK_INT(p.vlan_id, 0);
	CHECK_INT(p.requested, 1000);
	CHECK_INT(ipam_dhcp_probe_take(db, 1003, &p), 1);
	CHECK_INT(p.id, id2);
	CHECK_STR(p.ifname, "tap42");
	CHECK_INT(p.vlan_id, 2);
	g = ipam_dhcp_probe_get(db, id2);
	CHECK_STR(str(g, "started"), "1970-01-01T00:16:43Z");
	CHECK(json_is_null(json_object_get(g, "done")));
	json_decref(g);
	CHECK_INT(ipam_dhcp_probe_done(db, id2, 1006, 1, 2, NULL), 0);
	g = ipam_dhcp_probe_get(db, id2);
	CHECK_STR(str(g, "done"), "1970-01-01T00:16:46Z");
	CHECK_INT(num(g, "sent"), 1);
	CHECK_INT(num(g, "found"), 2);
	CHECK(json_is_null(json_object_get(g, "error")));
	json_decref(g);
	CHECK_INT(ipam_dhcp_probe_done(db, id1, 1006, 0, 0,
				       "no interface to probe"), 0);
	g = ipam_dhcp_probe_get(db, id1);
	CHECK_STR(str(g, "error"), "no interface to probe");
	CHECK(json_is_null(json_object_get(g, "interface")));
	CHECK(json_is_null(json_object_get(g, "vlan")));
	json_decref(g);

	/* A request waiting 60 s is still taken; over 60 s, it is closed. */
	CHECK_INT(ipam_dhcp_probe_take(db, 1062, &p), 1);
	CHECK_INT(p.id, id3);
	CHECK_INT(ipam_dhcp_probe_request(db, NULL, NULL, 2000, &id1), 0);
	CHECK_INT(ipam_dhcp_probe_request(db, NULL, NULL, 2030, &id2), 0);
	CHECK_INT(ipam_dhcp_probe_take(db, 2061, &p), 1);
	CHECK_INT(p.id, id2);
	g = ipam_dhcp_probe_get(db, id1);
	CHECK_STR(str(g, "done"), "1970-01-01T00:34:21Z");
	CHECK(json_is_null(json_object_get(g, "started")));
	CHECK_CONTAINS(str(g, "error"), "did not take the probe request "
		       "within 60 s");
	json_decref(g);
	CHECK_INT(ipam_dhcp_probe_take(db, 2062, &p), 0);

	/* Errors. */
	CHECK_FAILS(db, ipam_dhcp_probe_request(db, NULL, "lab/7", 3000, NULL),
		    -ENOENT, "VLAN lab/7 does not exist");
	CHECK_FAILS(db, ipam_dhcp_probe_request(db, NULL, "lab", 3000, NULL),
		    -EINVAL, "'lab' is not a VLAN");
	CHECK_FAILS(db, ipam_dhcp_probe_request(db, "a-very-long-ifname", NULL,
						3000, NULL), -EINVAL,
		    "'a-very-long-ifname' is not an interface name");
	CHECK_FAILS(db, ipam_dhcp_probe_done(db, 999, 3000, 0, 0, NULL),
		    -ENOENT, "probe request 999 does not exist");
	CHECK(ipam_dhcp_probe_get(db, 999) == NULL);
	CHECK_CONTAINS(ipam_error(db), "probe request 999 does not exist");

	/* The last 100 requests are kept. */
	for (int i = 0; i < 100; i++)
		CHECK_INT(ipam_dhcp_probe_request(db, NULL, NULL, 4000, &id3),
			  0);
	CHECK(ipam_dhcp_probe_get(db, id2) == NULL);
	g = ipam_dhcp_probe_get(db, id3 - 99);
	CHECK(g != NULL);
	json_decref(g);
	CHECK(ipam_dhcp_probe_get(db, id3 - 100) == NULL);

	/* A VLAN that goes takes its requests. */
	CHECK_INT(ipam_dhcp_probe_request(db, NULL, "lab/42", 5000, &id1), 0);
	CHECK_INT(ipam_vlan_rm(db, "lab", 42, true, NULL), 0);
	CHECK(ipam_dhcp_probe_get(db, id1) == NULL);
	fx_close(&fx);
}

/* What dhcpd offers another racknet's probe: the address a real
 * allocation would give, with nothing written. */
TEST(dryrun_alloc)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_client probe = fx_client(0xfe), c = fx_client(1);
	struct ipam_lease l, l2;
	char b[IP_STRLEN];
	int64_t gen;
	json_t *leases;

	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.100",
				 "10.0.0.200", "dynamic", NULL), 0);
	gen = ipam_feed_generation(db);
	CHECK_INT(ipam_lease_alloc(db, 1, &probe, NULL, 60, 1000,
				   IPAM_ALLOC_OFFER | IPAM_ALLOC_DRYRUN, &l), 0);
	CHECK_STR(fx_ip(&l, b), "10.0.0.100");
	CHECK_INT(ipam_feed_generation(db), gen);
	leases = ipam_lease_list(db, NULL, true, 1000);
	CHECK_INT(json_array_size(leases), 0);
	json_decref(leases);
	CHECK_INT(ipam_lease_find(db, 1, &probe, 1000, &l2), 0);
	/* The next real allocation gets the same address. */
	CHECK_INT(ipam_lease_alloc(db, 1, &c, NULL, 60, 1000, 0, &l2), 0);
	CHECK_STR(fx_ip(&l2, b), "10.0.0.100");

	/* Inside dhcpd's group commit: only the dry run is undone. */
	CHECK_INT(ipam_tx_begin(db), 0);
	c = fx_client(2);
	CHECK_INT(ipam_lease_alloc(db, 1, &c, NULL, 60, 1000, 0, &l2), 0);
	CHECK_STR(fx_ip(&l2, b), "10.0.0.101");
	CHECK_INT(ipam_lease_alloc(db, 1, &probe, NULL, 60, 1000,
				   IPAM_ALLOC_DRYRUN, &l), 0);
	CHECK_STR(fx_ip(&l, b), "10.0.0.102");
	CHECK_INT(ipam_tx_commit(db), 0);
	leases = ipam_lease_list(db, NULL, true, 1000);
	CHECK_INT(json_array_size(leases), 2);
	json_decref(leases);
	c = fx_client(3);
	CHECK_INT(ipam_lease_alloc(db, 1, &c, NULL, 60, 1000, 0, &l2), 0);
	CHECK_STR(fx_ip(&l2, b), "10.0.0.102");
	fx_close(&fx);
}

int main(void)
{
	RUN(observe_merges);
	RUN(gone_and_back);
	RUN(bounded);
	RUN(allow_list);
	RUN(rogue_vlans);
	RUN(probe_queue);
	RUN(dryrun_alloc);
	return test_done();
}
