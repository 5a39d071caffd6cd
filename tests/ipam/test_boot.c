/*
 * Boot profiles and the machine lookup racknet-tftpd makes per boot-file
 * request: profile rules and errors, every way a MAC or an IP maps to a
 * host, a lease or nothing, where the domain and the profile come from,
 * and that a lookup costs the same however many hosts, leases and subnets
 * the IPAM holds.
 */
#include <errno.h>

#include "fixture.h"
#include "ipam_int.h"
#include "test.h"

static struct fixture fx;

#define T0 1700000000

static const struct ipam_boot_profile_opts no_change;

/* The lab of fixture.h, a dynamic pool .100-.199 and domain lab.test on
 * 10.0.0.0/24, and a second subnet 10.0.1.0/24 (VLAN 42, no domain). */
static struct ipam *lab(void)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_subnet_opts so = { .domain = "lab.test", .managed = -1 };
	struct ipam_subnet_opts s2 = { .fabric = "lab", .vid = 42,
				       .managed = -1 };

	fx_lab(db);
	CHECK_INT(ipam_subnet_set(db, "10.0.0.0/24", &so), 0);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.100",
				 "10.0.0.199", "dynamic", NULL), 0);
	CHECK_INT(ipam_subnet_add(db, "10.0.1.0/24", &s2), 0);
	CHECK_INT(ipam_range_add(db, "10.0.1.0/24", "10.0.1.100",
				 "10.0.1.199", "dynamic", NULL), 0);
	return db;
}

static void host(struct ipam *db, const char *name, const char *mac,
		 const char *ip, const char *domain, const char *boot)
{
	const char *macs[] = { mac };
	struct ipam_host_opts o = { .macs = macs, .nmacs = 1, .ip = ip,
				    .domain = domain, .arch = "x86_64",
				    .boot = boot };

	CHECK_INT(ipam_host_add(db, name, &o), 0);
}

/* A lease as dhcpd would make it: MAC, hostname, until now + secs. */
static void lease(struct ipam *db, const char *cidr_ip, const char *mac,
		  const char *hostname, uint32_t secs, int64_t now)
{
	struct ipam_client c = { .hostname = hostname };
	struct ipam_lease l;
	struct ip_addr a;
	int64_t sid = 0;

	CHECK_INT(mac_parse(&c.mac, mac), 0);
	CHECK_INT(ip_parse(&a, cidr_ip), 0);
	CHECK_INT(ipam_subnet_find(db, &a, &sid), 0);
	CHECK_INT(ipam_lease_alloc(db, sid, &c, NULL, secs, now, 0, &l), 0);
}

static int by_mac(struct ipam *db, const char *mac, int64_t now,
		  struct ipam_machine *m)
{
	struct mac_addr a;

	CHECK_INT(mac_parse(&a, mac), 0);
	return ipam_machine_by_mac(db, &a, now, m);
}

static int by_ip(struct ipam *db, const char *ip, int64_t now,
		 struct ipam_machine *m)
{
	struct ip_addr a;

	CHECK_INT(ip_parse(&a, ip), 0);
	return ipam_machine_by_ip(db, &a, now, m);
}

static const char *ip_of(const struct ipam_machine *m)
{
	static char buf[IP_STRLEN];

	return m->has_ip ? ip_format(&m->ip, buf, sizeof(buf)) : "-";
}

static const char *mac_of(const struct ipam_machine *m)
{
	static char buf[MAC_STRLEN];

	return m->has_mac ? mac_format(&m->mac, buf, sizeof(buf)) : "-";
}

/* The list entry of one profile, or NULL. */
static json_t *listed(json_t *list, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(list, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "name")), name))
			return o;
	return NULL;
}

static const char *field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_null(v) ? "(null)" : json_string_value(v);
}

static int count_profile_changes(void *ctx, const struct ipam_change *c)
{
	if (!strcmp(c->table, "boot_profile"))
		(*(int *)ctx)++;
	return 0;
}

TEST(profile_crud)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_boot_profile_opts o = {
		.kernel = "ubuntu/vmlinuz", .initrd = "ubuntu/initrd",
		.cmdline = "console=ttyS0 ip=dhcp",
	};
	json_t *list, *p;

	CHECK_INT(ipam_boot_profile_add(db, "ubuntu-22.04", &o), 0);
	CHECK_INT(ipam_boot_profile_add(db, "local", &no_change), 0);
	CHECK_FAILS(db, ipam_boot_profile_add(db, "local", &no_change),
		    -EEXIST, "boot profile local already exists");

	list = ipam_boot_profile_list(db);
	CHECK_INT(json_array_size(list), 2);
	CHECK_STR(field(json_array_get(list, 0), "name"), "local");
	CHECK_STR(field(json_array_get(list, 0), "kernel"), "(null)");
	p = listed(list, "ubuntu-22.04");
	CHECK_STR(field(p, "kernel"), "ubuntu/vmlinuz");
	CHECK_STR(field(p, "initrd"), "ubuntu/initrd");
	CHECK_STR(field(p, "cmdline"), "console=ttyS0 ip=dhcp");
	CHECK_INT(json_integer_value(json_object_get(p, "hosts")), 0);
	json_decref(list);

	/* set: NULL keeps a value, "" clears it. */
	o = (struct ipam_boot_profile_opts){ .kernel = "k2", .initrd = "" };
	CHECK_INT(ipam_boot_profile_set(db, "ubuntu-22.04", &o), 0);
	list = ipam_boot_profile_list(db);
	p = listed(list, "ubuntu-22.04");
	CHECK_STR(field(p, "kernel"), "k2");
	CHECK_STR(field(p, "initrd"), "(null)");
	CHECK_STR(field(p, "cmdline"), "console=ttyS0 ip=dhcp");
	json_decref(list);
	CHECK_FAILS(db, ipam_boot_profile_set(db, "nope", &o), -ENOENT,
		    "boot profile nope does not exist");

	CHECK_INT(ipam_boot_profile_rm(db, "local", false, NULL), 0);
	CHECK_FAILS(db, ipam_boot_profile_rm(db, "local", false, NULL),
		    -ENOENT, "boot profile local does not exist");
	list = ipam_boot_profile_list(db);
	CHECK_INT(json_array_size(list), 1);
	json_decref(list);
	/* Each write reaches the change feed: 2 adds, a set, a remove. */
	{
		int n = 0;

		CHECK_INT(ipam_feed_since(db, 0, 1000, count_profile_changes,
					  &n, NULL), 0);
		CHECK_INT(n, 4);
	}
	fx_close(&fx);
}

TEST(profile_rules)
{
	struct ipam *db = fx_open(&fx);
	static const char *const bad[] = {
		"", "Ubuntu", "-x", ".x", "_x", "a b", "a/b", "a:b", "é",
		"a123456789012345678901234567890123456789012345678901234567890123",
	};
	static const char *const good[] = {
		"a", "0", "ubuntu-22.04", "rhel_9", "x.y-z_0",
		"a12345678901234567890123456789012345678901234567890123456789012",
	};
	char longpath[1100];
	struct ipam_boot_profile_opts o = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_FAILS(db, ipam_boot_profile_add(db, bad[i], &o), -EINVAL,
			    "lower-case letters, digits");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK_INT(ipam_boot_profile_add(db, good[i], &o), 0);

	/* Values go into boot configs line by line. */
	o = (struct ipam_boot_profile_opts){ .kernel = "a b" };
	CHECK_FAILS(db, ipam_boot_profile_add(db, "p", &o), -EINVAL,
		    "--kernel must be printable ASCII without spaces");
	o = (struct ipam_boot_profile_opts){ .initrd = "x\ty" };
	CHECK_FAILS(db, ipam_boot_profile_add(db, "p", &o), -EINVAL,
		    "--initrd must be printable ASCII");
	o = (struct ipam_boot_profile_opts){ .cmdline = "quiet\nkernel evil" };
	CHECK_FAILS(db, ipam_boot_profile_add(db, "p", &o), -EINVAL,
		    "--cmdline must be printable ASCII (byte 6 is not)");
	o = (struct ipam_boot_profile_opts){ .cmdline = "quiet\x7f" };
	CHECK_FAILS(db, ipam_boot_profile_set(db, "a", &o), -EINVAL,
		    "--cmdline must be printable ASCII");
	memset(longpath, 'k', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	o = (struct ipam_boot_profile_opts){ .kernel = longpath };
	CHECK_FAILS(db, ipam_boot_profile_add(db, "p", &o), -EINVAL,
		    "--kernel is 1099 bytes long, the most is 1023");
	longpath[1023] = '\0';
	CHECK_INT(ipam_boot_profile_add(db, "p", &o), 0);
	fx_close(&fx);
}

/* rm refuses while hosts name the profile, like domain rm; --force leaves
 * them without one. */
TEST(profile_rm_in_use)
{
	struct ipam *db = lab();
	struct ipam_machine m;
	json_t *removed = NULL, *list;
	char name[16], mac[24];

	CHECK_INT(ipam_boot_profile_add(db, "ubuntu", &no_change), 0);
	for (int i = 1; i <= 7; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		snprintf(mac, sizeof(mac), "52:54:00:00:01:%02x", i);
		host(db, name, mac, NULL, NULL, i <= 6 ? "ubuntu" : NULL);
	}
	list = ipam_boot_profile_list(db);
	CHECK_INT(json_integer_value(json_object_get(listed(list, "ubuntu"),
						     "hosts")), 6);
	json_decref(list);
	CHECK_FAILS(db, ipam_boot_profile_rm(db, "ubuntu", false, &removed),
		    -ENOTEMPTY, "boot profile ubuntu is the boot profile of "
		    "hosts n1, n2, n3, n4, n5 and 1 more: give them another "
		    "with `racknet host set HOST --boot PROFILE`, or use --force");
	CHECK(removed == NULL);
	CHECK_INT(by_mac(db, "52:54:00:00:01:01", T0, &m), 1);
	CHECK_STR(m.profile, "ubuntu");
	CHECK(m.profile_found);

	CHECK_INT(ipam_boot_profile_rm(db, "ubuntu", true, &removed), 0);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(removed,
			"with"), "unlinked_hosts")), 6);
	CHECK_STR(json_string_value(json_object_get(removed, "summary")),
		  "6 hosts left without a boot profile");
	json_decref(removed);
	/* They get boot-default-profile now. */
	CHECK_INT(by_mac(db, "52:54:00:00:01:01", T0, &m), 1);
	CHECK_STR(m.profile, "local");
	CHECK(!m.profile_found);

	/* One host: said in the singular. */
	CHECK_INT(ipam_boot_profile_add(db, "one", &no_change), 0);
	CHECK_INT(ipam_host_set(db, "n7", &(struct ipam_host_opts){
		.boot = "one" }), 0);
	CHECK_FAILS(db, ipam_boot_profile_rm(db, "one", false, NULL),
		    -ENOTEMPTY, "boot profile of host n7: give it another");
	fx_close(&fx);
}

/* A host's boot follows the profile name rule; "" clears it. */
TEST(host_boot_rules)
{
	struct ipam *db = lab();
	json_t *h;

	host(db, "n1", "52:54:00:00:00:01", NULL, NULL, "ubuntu-22.04");
	h = ipam_host_show(db, "n1");
	CHECK_STR(json_string_value(json_object_get(h, "boot")),
		  "ubuntu-22.04");
	json_decref(h);
	CHECK_FAILS(db, ipam_host_set(db, "n1", &(struct ipam_host_opts){
		.boot = "Ubuntu" }), -EINVAL, "boot profile 'Ubuntu' is invalid");
	CHECK_FAILS(db, ipam_host_set(db, "n1", &(struct ipam_host_opts){
		.boot = "a b" }), -EINVAL, "lower-case letters, digits");
	CHECK_INT(ipam_host_set(db, "n1", &(struct ipam_host_opts){
		.boot = "" }), 0);
	h = ipam_host_show(db, "n1");
	CHECK(json_is_null(json_object_get(h, "boot")));
	CHECK_STR(json_string_value(json_object_get(h, "arch")), "x86_64");
	json_decref(h);
	fx_close(&fx);
}

TEST(settings)
{
	struct ipam *db = fx_open(&fx);
	char v[64];

	CHECK_INT(ipam_setting_get(db, "boot-default-profile", v, sizeof(v)), 0);
	CHECK_STR(v, "local");
	CHECK_INT(ipam_setting_get(db, "boot-unknown-profile", v, sizeof(v)), 0);
	CHECK_STR(v, "unknown");
	CHECK_INT(ipam_setting_set(db, "boot-unknown-profile", "enlist-1.0"), 0);
	CHECK_INT(ipam_setting_get(db, "boot-unknown-profile", v, sizeof(v)), 0);
	CHECK_STR(v, "enlist-1.0");
	CHECK_FAILS(db, ipam_setting_set(db, "boot-default-profile", "Disk"),
		    -EINVAL, "boot-default-profile 'Disk' is not a boot "
		    "profile name");
	CHECK_FAILS(db, ipam_setting_set(db, "boot-default-profile", ""),
		    -EINVAL, "is not a boot profile name");
	CHECK_INT(ipam_setting_unset(db, "boot-unknown-profile"), 0);
	CHECK_INT(ipam_setting_get(db, "boot-unknown-profile", v, sizeof(v)), 0);
	CHECK_STR(v, "unknown");
	fx_close(&fx);
}

/* A known host with a static address: everything from the host. */
TEST(mac_known_static)
{
	struct ipam *db = lab();
	struct ipam_boot_profile_opts o = {
		.kernel = "ubuntu/vmlinuz", .initrd = "ubuntu/initrd",
		.cmdline = "console=ttyS0",
	};
	struct ipam_machine m;

	CHECK_INT(ipam_boot_profile_add(db, "ubuntu", &o), 0);
	host(db, "node1", "52:54:00:00:00:01", "10.0.0.20", "hosts.test",
	     "ubuntu");
	/* A lease of the same MAC does not win over the static address. */
	lease(db, "10.0.1.0", "52:54:00:00:00:01", "other", 3600, T0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:01", T0, &m), 1);
	CHECK(m.known);
	CHECK_STR(mac_of(&m), "52:54:00:00:00:01");
	CHECK_STR(ip_of(&m), "10.0.0.20");
	CHECK_STR(m.hostname, "node1");
	CHECK_STR(m.domain, "hosts.test");
	CHECK_STR(m.arch, "x86_64");
	CHECK_STR(m.profile, "ubuntu");
	CHECK(m.profile_found);
	CHECK_STR(m.kernel, "ubuntu/vmlinuz");
	CHECK_STR(m.initrd, "ubuntu/initrd");
	CHECK_STR(m.cmdline, "console=ttyS0");

	/* Several static addresses: the lowest, IPv4 before IPv6. */
	CHECK_INT(ipam_host_set(db, "node1", &(struct ipam_host_opts){
		.ip = "10.0.1.5" }), 0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:01", T0, &m), 1);
	CHECK_STR(ip_of(&m), "10.0.0.20");
	CHECK_INT(ipam_host_set(db, "node1", &(struct ipam_host_opts){
		.ip = "10.0.0.9" }), 0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:01", T0, &m), 1);
	CHECK_STR(ip_of(&m), "10.0.0.9");
	fx_close(&fx);
}

/* A host without a static address: its live lease; its subnet's domain. */
TEST(mac_known_lease)
{
	struct ipam *db = lab();
	struct ipam_machine m;

	host(db, "node2", "52:54:00:00:00:02", NULL, NULL, NULL);
	CHECK_INT(by_mac(db, "52:54:00:00:00:02", T0, &m), 1);
	CHECK(!m.has_ip);
	CHECK_STR(m.domain, "internal");
	lease(db, "10.0.0.0", "52:54:00:00:00:02", "dhcpname", 600, T0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:02", T0 + 10, &m), 1);
	CHECK_STR(ip_of(&m), "10.0.0.100");
	CHECK_STR(m.hostname, "node2");		/* the host's, not the lease's */
	CHECK_STR(m.domain, "lab.test");
	/* Expired: no address, and the default domain again. */
	CHECK_INT(by_mac(db, "52:54:00:00:00:02", T0 + 600, &m), 1);
	CHECK(!m.has_ip);
	CHECK_STR(m.domain, "internal");
	/* Leases on two subnets: the one that runs longest. */
	lease(db, "10.0.0.0", "52:54:00:00:00:02", NULL, 600, T0 + 1000);
	lease(db, "10.0.1.0", "52:54:00:00:00:02", NULL, 900, T0 + 1000);
	CHECK_INT(by_mac(db, "52:54:00:00:00:02", T0 + 1000, &m), 1);
	CHECK_STR(ip_of(&m), "10.0.1.100");
	CHECK_STR(m.domain, "internal");	/* 10.0.1.0/24 names none */
	fx_close(&fx);
}

/* No boot: boot-default-profile; a boot naming no profile: not found. */
TEST(mac_profiles)
{
	struct ipam *db = lab();
	struct ipam_machine m;

	host(db, "plain", "52:54:00:00:00:03", "10.0.0.30", NULL, NULL);
	host(db, "ghost", "52:54:00:00:00:04", "10.0.0.31", NULL, "missing");
	CHECK_INT(by_mac(db, "52:54:00:00:00:03", T0, &m), 1);
	CHECK_STR(m.profile, "local");
	CHECK(!m.profile_found);
	CHECK_STR(m.kernel, "");
	CHECK_INT(ipam_boot_profile_add(db, "local", &no_change), 0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:03", T0, &m), 1);
	CHECK_STR(m.profile, "local");
	CHECK(m.profile_found);
	CHECK_STR(m.kernel, "");
	CHECK_STR(m.cmdline, "");
	CHECK_STR(m.bootfile, "");
	CHECK_INT(ipam_boot_profile_bootfile_set(db, "local", "grub.efi"), 0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:03", T0, &m), 1);
	CHECK_STR(m.bootfile, "grub.efi");

	CHECK_INT(by_mac(db, "52:54:00:00:00:04", T0, &m), 1);
	CHECK_STR(m.profile, "missing");
	CHECK(!m.profile_found);

	/* The settings move the defaults. */
	CHECK_INT(ipam_setting_set(db, "boot-default-profile", "disk"), 0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:03", T0, &m), 1);
	CHECK_STR(m.profile, "disk");
	CHECK(!m.profile_found);
	CHECK_INT(by_mac(db, "52:54:00:00:00:04", T0, &m), 1);
	CHECK_STR(m.profile, "missing");
	fx_close(&fx);
}

/* A MAC IPAM has no host for: the unknown profile, and its lease. */
TEST(mac_unknown)
{
	struct ipam *db = lab();
	struct ipam_boot_profile_opts o = { .kernel = "enlist/vmlinuz" };
	struct ipam_machine m;

	CHECK_INT(by_mac(db, "52:54:00:00:00:99", T0, &m), 0);
	CHECK(!m.known);
	CHECK(!m.has_ip);
	CHECK_STR(mac_of(&m), "52:54:00:00:00:99");
	CHECK_STR(m.hostname, "");
	CHECK_STR(m.arch, "");
	CHECK_STR(m.domain, "internal");
	CHECK_STR(m.profile, "unknown");
	CHECK(!m.profile_found);

	CHECK_INT(ipam_boot_profile_add(db, "unknown", &o), 0);
	lease(db, "10.0.0.0", "52:54:00:00:00:99", "fresh-box", 600, T0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:99", T0 + 1, &m), 0);
	CHECK_STR(ip_of(&m), "10.0.0.100");
	CHECK_STR(m.hostname, "fresh-box");
	CHECK_STR(m.domain, "lab.test");
	CHECK(m.profile_found);
	CHECK_STR(m.kernel, "enlist/vmlinuz");

	CHECK_INT(ipam_setting_set(db, "boot-unknown-profile", "discover"), 0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:99", T0 + 1, &m), 0);
	CHECK_STR(m.profile, "discover");
	CHECK(!m.profile_found);

	/* A sticky address (DHCP reservation) counts, with its name. */
	CHECK_INT(ipam_address_reserve(db, "10.0.1.50", &(struct
		ipam_reserve_opts){ .mac = "52:54:00:00:00:98",
				    .hostname = "kept" }), 0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:98", T0, &m), 0);
	CHECK_STR(ip_of(&m), "10.0.1.50");
	CHECK_STR(m.hostname, "kept");
	fx_close(&fx);
}

/* By IP: the address row decides who it is; the IP stays the one asked. */
TEST(by_ip_cases)
{
	struct ipam *db = lab();
	const char *macs[] = { "52:54:00:00:00:05", "52:54:00:00:00:06" };
	struct ipam_host_opts ho = { .macs = macs, .nmacs = 2,
				     .ip = "10.0.0.40", .boot = "rhel" };
	struct ipam_machine m;

	CHECK_INT(ipam_host_add(db, "twonic", &ho), 0);
	/* Static: the host, with its first MAC. */
	CHECK_INT(by_ip(db, "10.0.0.40", T0, &m), 1);
	CHECK_STR(m.hostname, "twonic");
	CHECK_STR(mac_of(&m), "52:54:00:00:00:05");
	CHECK_STR(ip_of(&m), "10.0.0.40");
	CHECK_STR(m.domain, "lab.test");
	CHECK_STR(m.profile, "rhel");

	/* A lease of the host's other MAC on another subnet: the host, at
	 * the address asked for, with the MAC that holds it. */
	lease(db, "10.0.1.0", "52:54:00:00:00:06", "x", 600, T0);
	CHECK_INT(by_ip(db, "10.0.1.100", T0, &m), 1);
	CHECK_STR(m.hostname, "twonic");
	CHECK_STR(mac_of(&m), "52:54:00:00:00:06");
	CHECK_STR(ip_of(&m), "10.0.1.100");
	CHECK_STR(m.domain, "internal");
	CHECK_STR(m.profile, "rhel");

	/* A lease of an unknown MAC: unknown, with the lease's name. */
	lease(db, "10.0.0.0", "52:54:00:00:00:77", "box", 600, T0);
	CHECK_INT(by_ip(db, "10.0.0.100", T0, &m), 0);
	CHECK_STR(mac_of(&m), "52:54:00:00:00:77");
	CHECK_STR(m.hostname, "box");
	CHECK_STR(m.domain, "lab.test");
	CHECK_STR(m.profile, "unknown");
	/* Expired: nobody's any more. */
	CHECK_INT(by_ip(db, "10.0.0.100", T0 + 600, &m), 0);
	CHECK_STR(mac_of(&m), "-");
	CHECK_STR(m.hostname, "");
	CHECK_STR(ip_of(&m), "10.0.0.100");

	/* Nothing at the address, a reserved one, one outside every subnet. */
	CHECK_INT(by_ip(db, "10.0.0.77", T0, &m), 0);
	CHECK(m.has_ip && !m.has_mac && !m.known);
	CHECK_STR(m.domain, "lab.test");
	CHECK_STR(m.profile, "unknown");
	CHECK_INT(ipam_address_reserve(db, "10.0.0.78", &(struct
		ipam_reserve_opts){ .hostname = "printer" }), 0);
	CHECK_INT(by_ip(db, "10.0.0.78", T0, &m), 0);
	CHECK_STR(m.hostname, "");
	CHECK_INT(by_ip(db, "192.168.7.7", T0, &m), 0);
	CHECK_STR(ip_of(&m), "192.168.7.7");
	CHECK_STR(m.domain, "internal");
	/* The broadcast address, and the space between subnets. */
	CHECK_INT(by_ip(db, "10.0.0.255", T0, &m), 0);
	CHECK_STR(m.domain, "lab.test");
	CHECK_INT(by_ip(db, "10.0.2.1", T0, &m), 0);
	CHECK_STR(m.domain, "internal");
	CHECK_INT(by_ip(db, "9.255.255.255", T0, &m), 0);
	CHECK_STR(m.domain, "internal");
	fx_close(&fx);
}

/* IPv6 subnets sort beside IPv4 ones in the index: families stay apart. */
TEST(by_ip_v6)
{
	struct ipam *db = lab();
	struct ipam_subnet_opts so = { .fabric = "lab", .vid = 0,
				       .domain = "six.test", .managed = -1 };
	struct ipam_machine m;

	/* 0a00:: begins with the bytes of 10.0.0.0. */
	CHECK_INT(ipam_subnet_add(db, "a00::/64", &so), 0);
	CHECK_INT(ipam_subnet_add(db, "2001:db8::/64", &so), 0);
	host(db, "v6", "52:54:00:00:00:06", "2001:db8::6", NULL, NULL);
	CHECK_INT(by_ip(db, "2001:db8::6", T0, &m), 1);
	CHECK_STR(m.hostname, "v6");
	CHECK_STR(m.domain, "six.test");
	CHECK_INT(by_ip(db, "10.0.0.5", T0, &m), 0);
	CHECK_STR(m.domain, "lab.test");
	CHECK_INT(by_ip(db, "a00::5", T0, &m), 0);
	CHECK_STR(m.domain, "six.test");
	CHECK_INT(by_ip(db, "a00:0:0:1::5", T0, &m), 0);
	CHECK_STR(m.domain, "internal");
	/* By MAC, IPv4 comes first. */
	CHECK_INT(ipam_host_set(db, "v6", &(struct ipam_host_opts){
		.ip = "10.0.0.66" }), 0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:06", T0, &m), 1);
	CHECK_STR(ip_of(&m), "10.0.0.66");
	fx_close(&fx);
}

/* The domain: the host's, else the subnet's, else default-domain. */
TEST(domain_order)
{
	struct ipam *db = lab();
	struct ipam_machine m;

	host(db, "a", "52:54:00:00:00:0a", "10.0.0.10", "own.test", NULL);
	host(db, "b", "52:54:00:00:00:0b", "10.0.0.11", NULL, NULL);
	host(db, "c", "52:54:00:00:00:0c", "10.0.1.11", NULL, NULL);
	CHECK_INT(by_mac(db, "52:54:00:00:00:0a", T0, &m), 1);
	CHECK_STR(m.domain, "own.test");
	CHECK_INT(by_mac(db, "52:54:00:00:00:0b", T0, &m), 1);
	CHECK_STR(m.domain, "lab.test");
	CHECK_INT(by_mac(db, "52:54:00:00:00:0c", T0, &m), 1);
	CHECK_STR(m.domain, "internal");
	CHECK_INT(ipam_setting_set(db, "default-domain", "site.example"), 0);
	CHECK_INT(by_mac(db, "52:54:00:00:00:0c", T0, &m), 1);
	CHECK_STR(m.domain, "site.example");
	CHECK_INT(by_ip(db, "10.0.1.11", T0, &m), 1);
	CHECK_STR(m.domain, "site.example");
	fx_close(&fx);
}

/* Values too long for struct ipam_machine (written behind the library's
 * back) are an error, never cut short. */
TEST(corrupt_values_refused)
{
	struct ipam *db = lab();
	struct ipam_machine m;
	sqlite3 *raw;

	host(db, "n", "52:54:00:00:00:01", "10.0.0.10", NULL, "big");
	CHECK_INT(ipam_boot_profile_add(db, "big", &no_change), 0);
	CHECK_INT(sqlite3_open(fx.path, &raw), SQLITE_OK);
	CHECK_INT(sqlite3_exec(raw, "UPDATE boot_profile SET cmdline = "
			       "replace(hex(zeroblob(2500)), '0', 'x')", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(raw);
	CHECK_FAILS(db, by_mac(db, "52:54:00:00:00:01", T0, &m), -EIO,
		    "cmdline 'xxxx");
	CHECK(!m.known && !m.has_ip && !m.profile[0]);
	fx_close(&fx);
}

/*
 * A lookup must not scan: its SQLite VM steps (deterministic, unlike
 * time) are the same with a few leases as with 500 hosts and 2,000 leases,
 * in 123 subnets either way (a MAC without a host costs one index seek
 * per subnet).
 */
static void lookups(struct ipam *db, int64_t steps[4])
{
	struct ipam_machine m;

	ipam_vm_steps(db);
	CHECK_INT(by_mac(db, "52:54:00:00:00:01", T0, &m), 1);	/* static */
	steps[0] = ipam_vm_steps(db);
	CHECK_INT(by_mac(db, "52:54:00:00:00:99", T0, &m), 0);	/* lease */
	CHECK(m.has_ip);
	steps[1] = ipam_vm_steps(db);
	CHECK_INT(by_ip(db, "10.0.0.100", T0, &m), 0);		/* lease */
	CHECK_STR(mac_of(&m), "52:54:00:00:00:99");
	steps[2] = ipam_vm_steps(db);
	CHECK_INT(by_mac(db, "52:54:00:00:00:98", T0, &m), 0);	/* nothing */
	steps[3] = ipam_vm_steps(db);
}

TEST(lookup_does_not_scan)
{
	struct ipam *db = lab();
	struct ipam_subnet_opts so = { .fabric = "lab", .vid = 42,
				       .managed = -1 };
	int64_t small[4], big[4];
	char cidr[32], name[16], mac[24], ip[32];

	CHECK_INT(ipam_tx_begin(db), 0);
	for (int i = 0; i < 120; i++) {
		snprintf(cidr, sizeof(cidr), "10.%d.0.0/16", 20 + i);
		CHECK_INT(ipam_subnet_add(db, cidr, &so), 0);
	}
	CHECK_INT(ipam_tx_commit(db), 0);
	host(db, "node1", "52:54:00:00:00:01", "10.0.0.20", NULL, NULL);
	lease(db, "10.0.0.0", "52:54:00:00:00:99", "box", 600, T0);
	lookups(db, small);
	lookups(db, small);	/* statements prepared: count only steps */

	CHECK_INT(ipam_tx_begin(db), 0);
	CHECK_INT(ipam_range_add(db, "10.20.0.0/16", "10.20.0.10",
				 "10.20.255.250", "dynamic", NULL), 0);
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		snprintf(mac, sizeof(mac), "52:54:00:01:%02x:%02x", i >> 8,
			 i & 255);
		snprintf(ip, sizeof(ip), "10.%d.1.%d", 21 + i % 100,
			 1 + i / 100);
		host(db, name, mac, ip, NULL, NULL);
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(mac, sizeof(mac), "52:54:00:02:%02x:%02x", i >> 8,
			 i & 255);
		lease(db, "10.20.0.0", mac, NULL, 600, T0);
	}
	CHECK_INT(ipam_tx_commit(db), 0);
	lookups(db, big);
	lookups(db, big);
	for (int k = 0; k < 4; k++) {
		printf("vm steps, lookup %d: %lld small, %lld big\n", k,
		       (long long)small[k], (long long)big[k]);
		CHECK(big[k] <= small[k] + small[k] / 4);
	}
	fx_close(&fx);
}

int main(void)
{
	RUN(profile_crud);
	RUN(profile_rules);
	RUN(profile_rm_in_use);
	RUN(host_boot_rules);
	RUN(settings);
	RUN(mac_known_static);
	RUN(mac_known_lease);
	RUN(mac_profiles);
	RUN(mac_unknown);
	RUN(by_ip_cases);
	RUN(by_ip_v6);
	RUN(domain_order);
	RUN(corrupt_values_refused);
	RUN(lookup_does_not_scan);
	return test_done();
}
