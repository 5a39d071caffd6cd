/*
 * Every rule of the IPAM model, broken on purpose: each check asserts the
 * error code and that the message names the conflicting objects.
 */
#include <errno.h>
#include <sqlite3.h>

#include "fixture.h"

static struct fixture fx;
static const struct ipam_vlan_opts vdef = { .dhcp = -1 };

static struct ipam_subnet_opts on_vlan(const char *fabric, int vid)
{
	struct ipam_subnet_opts o = { .fabric = fabric, .vid = vid, .managed = -1 };
	return o;
}

TEST(fabric_rules)
{
	struct ipam *db = fx_open(&fx);

	CHECK_FAILS(db, ipam_fabric_add(db, "bad/name"), -EINVAL,
		    "fabric name 'bad/name' is invalid");
	CHECK_FAILS(db, ipam_fabric_add(db, ""), -EINVAL, "is invalid");
	CHECK_INT(ipam_fabric_add(db, "lab"), 0);
	CHECK_FAILS(db, ipam_fabric_add(db, "lab"), -EEXIST,
		    "fabric lab already exists");
	CHECK_INT(ipam_fabric_add(db, "other"), 0);
	CHECK_FAILS(db, ipam_fabric_rename(db, "lab", "other"), -EEXIST,
		    "fabric other already exists");
	CHECK_FAILS(db, ipam_fabric_rename(db, "nope", "x"), -ENOENT,
		    "fabric nope does not exist");
	CHECK_INT(ipam_fabric_rename(db, "other", "spare"), 0);
	fx_close(&fx);
}

TEST(vlan_rules)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_vlan_opts mtu = { .dhcp = -1, .mtu = 100 };
	struct ipam_vlan_opts self = { .dhcp = -1, .relay_from = "lab/42" };

	CHECK_FAILS(db, ipam_vlan_add(db, "lab", 1, &vdef), -ENOENT,
		    "fabric lab does not exist");
	fx_lab(db);
	CHECK_FAILS(db, ipam_vlan_add(db, "lab", 4095, &vdef), -EINVAL,
		    "VID 4095 is out of range");
	CHECK_FAILS(db, ipam_vlan_add(db, "lab", -1, &vdef), -EINVAL,
		    "out of range");
	/* A VID is unique within its fabric, not across fabrics. */
	CHECK_FAILS(db, ipam_vlan_add(db, "lab", 42, &vdef), -EEXIST,
		    "VLAN 42 already exists on fabric lab");
	CHECK_INT(ipam_fabric_add(db, "dc2"), 0);
	CHECK_INT(ipam_vlan_add(db, "dc2", 42, &vdef), 0);
	CHECK_FAILS(db, ipam_vlan_add(db, "lab", 7, &mtu), -EINVAL,
		    "MTU 100 is out of range");
	/* The failed add left nothing behind. */
	CHECK_FAILS(db, ipam_vlan_set(db, "lab", 7, &vdef), -ENOENT,
		    "VLAN lab/7 does not exist");
	CHECK_FAILS(db, ipam_vlan_set(db, "lab", 42, &self), -EINVAL,
		    "cannot relay from itself");
	self.relay_from = "dc2/42";
	CHECK_INT(ipam_vlan_set(db, "lab", 42, &self), 0);
	self.relay_from = "lab/99";
	CHECK_FAILS(db, ipam_vlan_set(db, "lab", 42, &self), -ENOENT,
		    "VLAN lab/99 does not exist");
	fx_close(&fx);
}

TEST(subnet_rules)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_subnet_opts o;

	fx_lab(db);
	o = on_vlan("lab", 0);
	CHECK_FAILS(db, ipam_subnet_add(db, "10.1.0.1/16", &o), -EINVAL,
		    "subnet 10.1.0.1/16 is not canonical: did you mean 10.1.0.0/16?");
	CHECK_FAILS(db, ipam_subnet_add(db, "10.0.0.0/33", &o), -EINVAL,
		    "is not a CIDR prefix");
	/* Overlap either way round names the existing subnet and its VLAN. */
	CHECK_FAILS(db, ipam_subnet_add(db, "10.0.0.0/16", &o), -EEXIST,
		    "subnet 10.0.0.0/16 overlaps subnet 10.0.0.0/24 on lab/0");
	CHECK_FAILS(db, ipam_subnet_add(db, "10.0.0.128/25", &o), -EEXIST,
		    "subnet 10.0.0.128/25 overlaps subnet 10.0.0.0/24 on lab/0");
	CHECK_FAILS(db, ipam_subnet_add(db, "10.0.0.0/24", &o), -EEXIST,
		    "overlaps subnet 10.0.0.0/24");
	CHECK_INT(ipam_subnet_add(db, "10.0.1.0/24", &o), 0);
	CHECK_INT(ipam_subnet_add(db, "2001:db8::/64", &o), 0);
	CHECK_FAILS(db, ipam_subnet_add(db, "2001:db8::/48", &o), -EEXIST,
		    "subnet 2001:db8::/48 overlaps subnet 2001:db8::/64 on lab/0");
	o = on_vlan("lab", 5);
	CHECK_FAILS(db, ipam_subnet_add(db, "10.0.2.0/24", &o), -ENOENT,
		    "VLAN lab/5 does not exist");
	o = on_vlan("lab", 0);
	o.gateway = "10.0.9.1";
	CHECK_FAILS(db, ipam_subnet_add(db, "10.0.2.0/24", &o), -EINVAL,
		    "gateway 10.0.9.1 is outside subnet 10.0.2.0/24");
	o.gateway = NULL;
	o.dns = "10.0.0.1,nonsense";
	CHECK_FAILS(db, ipam_subnet_add(db, "10.0.2.0/24", &o), -EINVAL,
		    "DNS server 'nonsense' is not an IP address");
	o.dns = "10.0.0.1,";
	CHECK_FAILS(db, ipam_subnet_add(db, "10.0.2.0/24", &o), -EINVAL,
		    "ends with a comma");
	o.dns = NULL;
	o.lease_time = 5;
	CHECK_FAILS(db, ipam_subnet_add(db, "10.0.2.0/24", &o), -EINVAL,
		    "lease time 5 is out of range");
	/* None of the failed adds left a subnet behind. */
	CHECK_FAILS(db, ipam_subnet_set(db, "10.0.2.0/24", &o), -ENOENT,
		    "subnet 10.0.2.0/24 does not exist");
	o.lease_time = 600;
	o.domain = "lab.example";
	o.dns = "10.0.2.1, 10.0.2.2";
	CHECK_FAILS(db, ipam_subnet_add(db, "10.0.2.0/24", &o), -EINVAL,
		    "not an IP address");
	o.dns = "10.0.2.1,10.0.2.2";
	CHECK_INT(ipam_subnet_add(db, "10.0.2.0/24", &o), 0);
	fx_close(&fx);
}

TEST(range_rules)
{
	struct ipam *db = fx_open(&fx);
	const char *s = "10.0.0.0/24";

	fx_lab(db);
	CHECK_FAILS(db, ipam_range_add(db, s, "10.0.1.5", "10.0.1.9", "dynamic",
				       NULL), -EINVAL,
		    "range 10.0.1.5-10.0.1.9 is outside subnet 10.0.0.0/24");
	CHECK_FAILS(db, ipam_range_add(db, s, "10.0.0.250", "10.0.1.9",
				       "dynamic", NULL), -EINVAL,
		    "is outside subnet 10.0.0.0/24");
	CHECK_FAILS(db, ipam_range_add(db, s, "10.0.0.80", "10.0.0.50",
				       "dynamic", NULL), -EINVAL,
		    "range start 10.0.0.80 is after its end 10.0.0.50");
	CHECK_FAILS(db, ipam_range_add(db, s, "10.0.0.5", "10.0.0.9", "pool",
				       NULL), -EINVAL,
		    "range type 'pool' is not dynamic or reserved");
	CHECK_FAILS(db, ipam_range_add(db, s, "2001:db8::1", "2001:db8::9",
				       "dynamic", NULL), -EINVAL,
		    "is outside subnet");
	CHECK_INT(ipam_range_add(db, s, "10.0.0.60", "10.0.0.70", "reserved",
				 "switches"), 0);
	CHECK_FAILS(db, ipam_range_add(db, s, "10.0.0.50", "10.0.0.80",
				       "dynamic", NULL), -EEXIST,
		    "range 10.0.0.50-10.0.0.80 overlaps reserved range "
		    "10.0.0.60-10.0.0.70 on subnet 10.0.0.0/24");
	CHECK_FAILS(db, ipam_range_add(db, s, "10.0.0.70", "10.0.0.70",
				       "dynamic", NULL), -EEXIST, "overlaps");
	/* Adjacent is fine. */
	CHECK_INT(ipam_range_add(db, s, "10.0.0.71", "10.0.0.200", "dynamic",
				 NULL), 0);
	CHECK_FAILS(db, ipam_range_rm(db, s, "10.0.0.72"), -ENOENT,
		    "subnet 10.0.0.0/24 has no range starting at 10.0.0.72");
	CHECK_INT(ipam_range_rm(db, s, "10.0.0.71"), 0);
	fx_close(&fx);
}

TEST(host_rules)
{
	struct ipam *db = fx_open(&fx);
	const char *m1[] = { "52:54:00:00:00:01" }, *m2[] = { "52-54-00-00-00-02" };
	struct ipam_host_opts o = { .macs = m1, .nmacs = 1, .ip = "10.0.0.10" };
	struct ipam_host_opts p = { .macs = m2, .nmacs = 1 };

	fx_lab(db);
	CHECK_FAILS(db, ipam_host_add(db, "bad_name", &o), -EINVAL,
		    "hostname 'bad_name' is not a valid DNS label");
	CHECK_INT(ipam_host_add(db, "node1", &o), 0);
	CHECK_FAILS(db, ipam_host_add(db, "NODE1", &p), -EEXIST,
		    "host NODE1 already exists");
	p.macs = m1;
	CHECK_FAILS(db, ipam_host_add(db, "node2", &p), -EEXIST,
		    "MAC 52:54:00:00:00:01 already belongs to host node1");
	p.macs = m2;
	p.ip = "10.0.0.10";
	CHECK_FAILS(db, ipam_host_add(db, "node2", &p), -EEXIST,
		    "address 10.0.0.10 is already the static address of host node1");
	p.ip = "10.9.9.9";
	CHECK_FAILS(db, ipam_host_add(db, "node2", &p), -ENOENT,
		    "10.9.9.9 is in no known subnet");
	p.ip = "10.0.0.0";
	CHECK_FAILS(db, ipam_host_add(db, "node2", &p), -EINVAL,
		    "10.0.0.0 is the network address of subnet 10.0.0.0/24");
	p.ip = "10.0.0.255";
	CHECK_FAILS(db, ipam_host_add(db, "node2", &p), -EINVAL,
		    "10.0.0.255 is the broadcast address of subnet 10.0.0.0/24");
	p.ip = NULL;
	p.arch = "x86 64";
	CHECK_FAILS(db, ipam_host_add(db, "node2", &p), -EINVAL,
		    "architecture 'x86 64' is invalid");
	/* Failed adds left no host and no MAC behind. */
	p.arch = "uefi-x64";
	CHECK_INT(ipam_host_add(db, "node2", &p), 0);

	/* Moving a static address within a subnet keeps one per MAC. */
	o.macs = NULL;
	o.nmacs = 0;
	o.ip = "10.0.0.11";
	CHECK_INT(ipam_host_set(db, "node1", &o), 0);
	json_t *h = ipam_host_show(db, "node1");
	CHECK_INT(json_array_size(json_object_get(h, "ips")), 1);
	CHECK_STR(json_string_value(json_array_get(json_object_get(h, "ips"), 0)),
		  "10.0.0.11");
	json_decref(h);
	CHECK_FAILS(db, ipam_host_rm(db, "nobody"), -ENOENT,
		    "host nobody does not exist");
	fx_close(&fx);
}

/* The MAC rule also holds against rows written behind the API's back. */
TEST(static_mac_rule_in_schema)
{
	struct ipam *db = fx_open(&fx);
	const char *m[] = { "52:54:00:00:00:01" };
	struct ipam_host_opts o = { .macs = m, .nmacs = 1, .ip = "10.0.0.10" };
	sqlite3 *raw;

	fx_lab(db);
	CHECK_INT(ipam_host_add(db, "node1", &o), 0);
	CHECK_INT(sqlite3_open(fx.path, &raw), SQLITE_OK);
	CHECK_INT(sqlite3_exec(raw, "INSERT INTO address (subnet_id, ip, state, "
			       "mac, updated) SELECT id, x'0a000014', 'static', "
			       "'52:54:00:00:00:01', 0 FROM subnet", NULL, NULL,
			       NULL), SQLITE_CONSTRAINT);
	/* A stray static row for the MAC (no host): the API names it. */
	CHECK_INT(sqlite3_exec(raw, "DELETE FROM address WHERE state = 'static';"
			       "INSERT INTO address (subnet_id, ip, state, mac, "
			       "updated) SELECT id, x'0a000014', 'static', "
			       "'52:54:00:00:00:01', 0 FROM subnet", NULL, NULL,
			       NULL), SQLITE_OK);
	sqlite3_close(raw);
	o.macs = NULL;
	o.nmacs = 0;
	o.ip = "10.0.0.30";
	CHECK_FAILS(db, ipam_host_set(db, "node1", &o), -EEXIST,
		    "MAC 52:54:00:00:00:01 already has static address 10.0.0.20 "
		    "on subnet 10.0.0.0/24");
	fx_close(&fx);
}

TEST(address_rules)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_reserve_opts r = { .comment = "printer" };

	fx_lab(db);
	CHECK_INT(ipam_address_reserve(db, "10.0.0.5", &r), 0);
	CHECK_FAILS(db, ipam_address_reserve(db, "10.0.0.5", &r), -EEXIST,
		    "address 10.0.0.5 is already a reserved address");
	r.mac = "52:54:00:00:00:09";
	CHECK_INT(ipam_address_reserve(db, "10.0.0.6", &r), 0);
	CHECK_FAILS(db, ipam_address_reserve(db, "10.0.0.6", &r), -EEXIST,
		    "address 10.0.0.6 is already a sticky of 52:54:00:00:00:09");
	r.mac = "zz";
	CHECK_FAILS(db, ipam_address_reserve(db, "10.0.0.7", &r), -EINVAL,
		    "'zz' is not a MAC address");
	CHECK_FAILS(db, ipam_address_release(db, "10.0.0.8"), -ENOENT,
		    "address 10.0.0.8 is not in use");
	CHECK_INT(ipam_address_release(db, "10.0.0.5"), 0);

	const char *m[] = { "52:54:00:00:00:01" };
	struct ipam_host_opts o = { .macs = m, .nmacs = 1, .ip = "10.0.0.10" };

	CHECK_INT(ipam_host_add(db, "node1", &o), 0);
	CHECK_FAILS(db, ipam_address_release(db, "10.0.0.10"), -EINVAL,
		    "address 10.0.0.10 is the static address of host node1");
	fx_close(&fx);
}

TEST(rm_with_children)
{
	struct ipam *db = fx_open(&fx);
	json_t *removed = NULL;
	struct ipam_reserve_opts r = { 0 };

	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.100", "10.0.0.200",
				 "dynamic", NULL), 0);
	CHECK_INT(ipam_address_reserve(db, "10.0.0.5", &r), 0);
	CHECK_INT(ipam_interface_set(db, "br0", "lab", 0, "operator"), 0);
	CHECK_FAILS(db, ipam_subnet_rm(db, "10.0.0.0/24", false, NULL),
		    -ENOTEMPTY, "subnet 10.0.0.0/24 still has 1 range and 1 "
		    "address: remove them first, or use --force");
	CHECK_FAILS(db, ipam_vlan_rm(db, "lab", 0, false, NULL), -ENOTEMPTY,
		    "VLAN lab/0 still has 1 subnet, 1 range, 1 address and 1 "
		    "interface");
	CHECK_FAILS(db, ipam_fabric_rm(db, "lab", false, NULL), -ENOTEMPTY,
		    "fabric lab still has 2 VLANs, 1 subnet, 1 range, 1 address "
		    "and 1 interface: remove them first, or use --force");
	/* An empty VLAN goes without --force. */
	CHECK_INT(ipam_vlan_rm(db, "lab", 42, false, NULL), 0);
	CHECK_INT(ipam_fabric_rm(db, "lab", true, &removed), 0);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(removed,
		  "with"), "vlans")), 1);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(removed,
		  "with"), "subnets")), 1);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(removed,
		  "with"), "addresses")), 1);
	CHECK_STR(json_string_value(json_object_get(removed, "summary")),
		  "1 VLAN, 1 subnet, 1 range, 1 address and 1 interface");
	json_decref(removed);
	json_t *all = ipam_address_list(db, NULL, NULL);
	CHECK_INT(json_array_size(all), 0);
	json_decref(all);
	all = ipam_interface_list(db);
	CHECK_INT(json_array_size(all), 0);
	json_decref(all);
	fx_close(&fx);
}

TEST(dns_rules)
{
	struct ipam *db = fx_open(&fx);

	CHECK_FAILS(db, ipam_domain_add(db, "bad..name", 300), -EINVAL,
		    "domain 'bad..name' is not a valid DNS name");
	CHECK_INT(ipam_domain_add(db, "Lab.Example.", 300), 0);
	CHECK_FAILS(db, ipam_domain_add(db, "lab.example", 60), -EEXIST,
		    "domain lab.example already exists");
	CHECK_FAILS(db, ipam_record_add(db, "www.other.org", "A", "10.0.0.5", 0),
		    -ENOENT, "no domain holds www.other.org");
	CHECK_FAILS(db, ipam_record_add(db, "www.lab.example", "A", "::1", 0),
		    -EINVAL, "A record data '::1' is not an IPv4 address");
	CHECK_FAILS(db, ipam_record_add(db, "www.lab.example", "AAAA",
					"10.0.0.1", 0), -EINVAL,
		    "is not an IPv6 address");
	CHECK_FAILS(db, ipam_record_add(db, "www.lab.example", "HINFO", "x", 0),
		    -EINVAL, "record type 'HINFO' is not one of");
	CHECK_FAILS(db, ipam_record_add(db, "lab.example", "MX", "mail", 0),
		    -EINVAL, "MX record data 'mail' is not 'PREFERENCE HOST'");
	CHECK_FAILS(db, ipam_record_add(db, "_ldap._tcp.lab.example", "SRV",
					"0 5 389", 0), -EINVAL,
		    "is not 'PRIORITY WEIGHT PORT TARGET'");
	CHECK_FAILS(db, ipam_record_add(db, "_ldap._tcp.lab.example", "SRV",
					"0 5 70000 ldap.lab.example", 0), -EINVAL,
		    "is not 'PRIORITY WEIGHT PORT TARGET'");
	CHECK_INT(ipam_record_add(db, "_ldap._tcp.lab.example", "srv",
				  "0 5 389 LDAP.lab.example.", 0), 0);
	CHECK_INT(ipam_record_add(db, "lab.example", "MX", "10 mail.lab.example",
				  0), 0);
	CHECK_INT(ipam_record_add(db, "www.lab.example", "A", "10.0.0.5", 60), 0);
	CHECK_FAILS(db, ipam_record_add(db, "WWW.lab.example", "A", "10.0.0.5",
					0), -EEXIST,
		    "record www.lab.example A 10.0.0.5 already exists");
	CHECK_FAILS(db, ipam_record_add(db, "www.lab.example", "CNAME",
					"web.lab.example", 0), -EEXIST,
		    "www.lab.example already has a record of type A, and a CNAME "
		    "cannot share its name");
	CHECK_INT(ipam_record_add(db, "5.0.0.10.in-addr.arpa", "PTR",
				  "www.lab.example", 0), 0);
	json_t *l = ipam_record_list(db, "lab.example");
	CHECK_INT(json_array_size(l), 3);
	CHECK_STR(json_string_value(json_object_get(json_array_get(l, 0), "data")),
		  "0 5 389 ldap.lab.example");
	json_decref(l);
	CHECK_FAILS(db, ipam_domain_rm(db, "lab.example", false, NULL),
		    -ENOTEMPTY, "domain lab.example still has 3 records: remove "
		    "them first, or use --force");
	CHECK_FAILS(db, ipam_record_rm(db, "www.lab.example", "A", "10.0.0.6"),
		    -ENOENT, "no A record at www.lab.example with data 10.0.0.6");
	CHECK_INT(ipam_record_rm(db, "www.lab.example", "A", NULL), 0);
	fx_close(&fx);
}

TEST(setting_rules)
{
	struct ipam *db = fx_open(&fx);
	char v[64];

	CHECK_FAILS(db, ipam_setting_set(db, "upstream_dns", "1.1.1.1"), -ENOENT,
		    "unknown setting 'upstream_dns' (known: upstream-dns");
	CHECK_FAILS(db, ipam_setting_set(db, "upstream-dns", "1.1.1.1,x"),
		    -EINVAL, "upstream-dns: 'x' is not an IP address");
	CHECK_FAILS(db, ipam_setting_set(db, "upstream-dns", "1.1.1.1,,2.2.2.2"),
		    -EINVAL, "empty item");
	CHECK_FAILS(db, ipam_setting_set(db, "default-lease-time", "10"),
		    -EINVAL, "default-lease-time must be a number from 60 to");
	CHECK_FAILS(db, ipam_setting_set(db, "dhcp-ping-check", "maybe"),
		    -EINVAL, "dhcp-ping-check must be on or off");
	CHECK_FAILS(db, ipam_setting_set(db, "dns-axfr-allow", "10.0.0.1/8"),
		    -EINVAL, "is not a canonical CIDR prefix");
	CHECK_INT(ipam_setting_get(db, "default-lease-time", v, sizeof(v)), 0);
	CHECK_STR(v, "3600");
	CHECK_INT(ipam_setting_set(db, "dhcp-ping-check", "FALSE"), 0);
	CHECK_INT(ipam_setting_get(db, "dhcp-ping-check", v, sizeof(v)), 0);
	CHECK_STR(v, "off");
	CHECK_INT(ipam_setting_unset(db, "dhcp-ping-check"), 0);
	CHECK_INT(ipam_setting_get(db, "dhcp-ping-check", v, sizeof(v)), 0);
	CHECK_STR(v, "on");
	fx_close(&fx);
}

TEST(interface_rules)
{
	struct ipam *db = fx_open(&fx);

	fx_lab(db);
	CHECK_FAILS(db, ipam_interface_set(db, "a-very-long-ifname", "lab", 0,
					   "operator"), -EINVAL,
		    "'a-very-long-ifname' is not an interface name");
	CHECK_FAILS(db, ipam_interface_set(db, "tap42", "lab", 7, "operator"),
		    -ENOENT, "VLAN lab/7 does not exist");
	CHECK_INT(ipam_interface_set(db, "tap42", "lab", 42, "operator"), 0);
	/* Setting again moves it. */
	CHECK_INT(ipam_interface_set(db, "tap42", "lab", 0, "netlink"), 0);
	json_t *l = ipam_interface_list(db);
	CHECK_INT(json_array_size(l), 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(l, 0), "vlan")),
		  "lab/0");
	json_decref(l);
	CHECK_FAILS(db, ipam_interface_rm(db, "eth9"), -ENOENT,
		    "interface eth9 is not known");
	fx_close(&fx);
}

int main(void)
{
	RUN(fabric_rules);
	RUN(vlan_rules);
	RUN(subnet_rules);
	RUN(range_rules);
	RUN(host_rules);
	RUN(static_mac_rule_in_schema);
	RUN(address_rules);
	RUN(rm_with_children);
	RUN(dns_rules);
	RUN(setting_rules);
	RUN(interface_rules);
	return test_done();
}
