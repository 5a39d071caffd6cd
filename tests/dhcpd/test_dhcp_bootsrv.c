/*
 * Boot selection in the handler, against a real IPAM: the boot file table
 * (defaults, global rows, a subnet's rows) as the view carries it, boot
 * profiles (local gets nothing, a profile's own file replaces the
 * firmware's but never the iPXE script), ${server} per subnet, the
 * boot-http-port setting, the log line, and that a client that is not
 * booting costs IPAM nothing more.
 */
#include <errno.h>

#include "../ipam/fixture.h"
#include "dhcp_srv.h"
#include "ipam_int.h"
#include "test.h"

static struct fixture fx;



/* A client: MAC 52:54:00:00:00:client, and what it says about booting. */
enum kind { PLAIN, BIOS, UEFI, ARM64, HTTP, IPXE, IA32 };

struct req {
	int type;
	unsigned client;
	enum kind kind;
	uint32_t requested, server_id;
};

static struct pkt make(const struct req *r)
{
	static const uint8_t prl[] = { 1, 3, 6, 15, 28, 51, 54 };
	static const struct {
		const char *vendor;
		int arch;
	} kinds[] = {
		[PLAIN] = { "udhcp 1.35.0", -1 },
		[BIOS] = { "PXEClient:Arch:00000:UNDI:002001", 0 },
		[UEFI] = { "PXEClient:Arch:00007:UNDI:003016", 7 },
		[ARM64] = { "PXEClient:Arch:00011:UNDI:003016", 11 },
		[HTTP] = { "HTTPClient:Arch:00016:UNDI:003001", 16 },
		[IPXE] = { "PXEClient:Arch:00007:UNDI:003010", 7 },
		[IA32] = { "PXEClient:Arch:00006:UNDI:003016", 6 },
	};
	struct pkt p = pkt_request(0x2000 + r->client, (uint8_t)r->client,
				   (uint8_t)r->type);

	if (r->requested)
		opt32(&p, 50, r->requested);
	if (r->server_id)
		opt32(&p, 54, r->server_id);
	opt(&p, 60, kinds[r->kind].vendor, strlen(kinds[r->kind].vendor));
	if (kinds[r->kind].arch >= 0)
		opt(&p, 93, (uint8_t[]){ 0, (uint8_t)kinds[r->kind].arch }, 2);
	if (r->kind == IPXE)
		opt(&p, 77, "iPXE", 4);
	opt(&p, 55, prl, sizeof(prl));
	pkt_end(&p);
	return p;
}


/* The rack: eth0 (index 2) 10.0.0.1/24 on lab/0, eth1 (index 3)
 * 10.42.0.1/24 on lab/42. Called again after each IPAM change, as
 * dhcpd's reload does. */
static void rack(struct ipam *db)
{
	struct dhcp_iface ifs[2] = {
		{ .ifindex = 2, .name = "eth0", .ether = true, .up = true,
		  .mtu = 1500, .vid = -1, .naddr = 1,
		  .addr = { { IP(10, 0, 0, 1), 24 } } },
		{ .ifindex = 3, .name = "eth1", .ether = true, .up = true,
		  .mtu = 1500, .vid = -1, .naddr = 1,
		  .addr = { { IP(10, 42, 0, 1), 24 } } },
	};
	srv_rack(db, ifs, 2);
}

static struct ipam *lab(void)
{
	struct ipam *db = fx_open(&fx);
	struct ipam_subnet_opts so = {
		.fabric = "lab", .vid = 42, .gateway = "10.42.0.1",
		.managed = -1,
	};

	memset(&counters, 0, sizeof(counters));
	fx_lab(db);
	CHECK_INT(ipam_range_add(db, "10.0.0.0/24", "10.0.0.100", "10.0.0.150",
				 "dynamic", NULL), 0);
	CHECK_INT(ipam_subnet_add(db, "10.42.0.0/24", &so), 0);
	CHECK_INT(ipam_range_add(db, "10.42.0.0/24", "10.42.0.100",
				 "10.42.0.150", "dynamic", NULL), 0);
	CHECK_INT(ipam_setting_set(db, "dhcp-ping-check", "off"), 0);
	rack(db);
	return db;
}

/* Handle r on ifindex; the reply parsed into `reply`, its type or 0. */
static int send_on(int ifindex, const struct req *r)
{
	struct pkt p = make(r);
	struct dhcp_rx rx = { .buf = p.b, .len = p.len, .ifindex = ifindex,
			      .dst_ip = 0xffffffff };
	const char *why;

	dhcp_handle(&srv, &rx, T0, &out);
	if (out.action != DHCP_SEND)
		return 0;
	out.buf[0] = 1;
	CHECK_INT(dhcp_parse(&reply, out.buf, out.len, &why), 0);
	return reply.type;
}

static const char *opt_text(int code)
{
	static char buf[256];
	const struct dhcp_opt_data *o = &reply.opt[code];

	snprintf(buf, sizeof(buf), "%.*s", o->present ? (int)o->len : 0,
		 o->present ? (const char *)o->p : "");
	return buf;
}

/* The boot file client `client` of kind k gets on ifindex ("" if none);
 * the DISCOVER's OFFER and the REQUEST's ACK must agree. */
static const char *boot_on(int ifindex, unsigned client, enum kind k)
{
	static char file[130];
	struct req d = { .type = DHCP_DISCOVER, .client = client, .kind = k };

	file[0] = '\0';
	if (send_on(ifindex, &d) != DHCP_OFFER)
		return "(no offer)";
	snprintf(file, sizeof(file), "%s", reply.file);
	CHECK_STR(opt_text(67), file);
	struct req q = { .type = DHCP_REQUEST, .client = client, .kind = k,
			 .requested = reply.yiaddr,
			 .server_id = ifindex == 2 ? IP(10, 0, 0, 1) :
				      IP(10, 42, 0, 1) };
	if (send_on(ifindex, &q) != DHCP_ACK)
		return "(no ack)";
	CHECK_STR(reply.file, file);
	CHECK_STR(opt_text(67), file);
	return file;
}

static const char *boot(unsigned client, enum kind k)
{
	return boot_on(2, client, k);
}

TEST(defaults_by_architecture)
{
	lab();
	CHECK_STR(boot(1, BIOS), "undionly.kpxe");
	CHECK_INT(reply.siaddr, IP(10, 0, 0, 1));
	CHECK_STR(opt_text(66), "10.0.0.1");
	CHECK_STR(opt_text(60), "PXEClient");
	CHECK(reply.opt[43].present && reply.opt[43].len == 4 &&
	      !memcmp(reply.opt[43].p, "\006\001\010\377", 4));
	CHECK_CONTAINS(out.note, "DHCPACK 10.0.0.100 to 52:54:00:00:00:01 on "
		       "eth0 (lab/0) boot undionly.kpxe (bios)");

	CHECK_STR(boot(2, UEFI), "ipxe.efi");
	CHECK(reply.opt[43].present);
	CHECK_STR(opt_text(60), "PXEClient");
	CHECK_STR(boot(3, ARM64), "bootaa64.efi");
	CHECK(reply.opt[43].present);
	CHECK_STR(boot(4, HTTP), "http://10.0.0.1/ipxe.efi");
	CHECK_STR(opt_text(60), "HTTPClient");
	CHECK(!reply.opt[43].present);
	CHECK_STR(boot(5, IPXE), "http://10.0.0.1/boot.ipxe");
	CHECK(!reply.opt[43].present);
	CHECK_CONTAINS(out.note, "boot http://10.0.0.1/boot.ipxe (ipxe)");
	fx_close(&fx);
}

TEST(plain_and_unsupported_clients_get_nothing)
{
	lab();
	CHECK_STR(boot(1, PLAIN), "");
	CHECK_INT(reply.siaddr, 0);
	CHECK(!reply.opt[66].present && !reply.opt[67].present &&
	      !reply.opt[60].present && !reply.opt[43].present);
	CHECK(!strstr(out.note, "boot"));
	CHECK_STR(boot(2, IA32), "");
	CHECK_INT(reply.siaddr, 0);
	CHECK(!reply.opt[60].present);
	CHECK_CONTAINS(out.note, "no boot file: nothing in the boot table "
		       "runs on arch 6");
	fx_close(&fx);
}

TEST(global_and_subnet_rows)
{
	struct ipam *db = lab();

	CHECK_INT(ipam_bootfile_set(db, "bios", "pxelinux.0", NULL), 0);
	CHECK_INT(ipam_bootfile_set(db, "bios", "tftp://${server}/lpxelinux.0",
				    "10.42.0.0/24"), 0);
	CHECK_INT(ipam_bootfile_set(db, "ipxe", "${http}/lab42.ipxe",
				    "10.42.0.0/24"), 0);
	CHECK_INT(ipam_setting_set(db, "boot-http-port", "8080"), 0);
	rack(db);
	CHECK_STR(boot(1, BIOS), "pxelinux.0");
	CHECK_STR(boot(2, IPXE), "http://10.0.0.1:8080/boot.ipxe");
	CHECK_STR(boot_on(3, 3, BIOS), "tftp://10.42.0.1/lpxelinux.0");
	CHECK_INT(reply.siaddr, IP(10, 42, 0, 1));
	CHECK_STR(opt_text(66), "10.42.0.1");
	CHECK_STR(boot_on(3, 4, IPXE), "http://10.42.0.1:8080/lab42.ipxe");
	/* The subnet's other entries are the global ones. */
	CHECK_STR(boot_on(3, 5, UEFI), "ipxe.efi");
	/* Removing rows goes back to the global entry, then the default. */
	CHECK_INT(ipam_bootfile_rm(db, "bios", "10.42.0.0/24"), 0);
	rack(db);
	CHECK_STR(boot_on(3, 3, BIOS), "pxelinux.0");
	CHECK_INT(ipam_bootfile_rm(db, "bios", NULL), 0);
	rack(db);
	CHECK_STR(boot_on(3, 3, BIOS), "undionly.kpxe");
	CHECK_STR(boot(1, BIOS), "undionly.kpxe");
	/* A subnet that goes takes its rows with it. */
	CHECK_INT(ipam_subnet_rm(db, "10.42.0.0/24", true, NULL), 0);
	json_t *l = ipam_bootfile_list(db, NULL);

	CHECK_INT(json_array_size(l), IPAM_BOOT_ARCH_MAX);
	json_decref(l);
	fx_close(&fx);
}

static void host(struct ipam *db, const char *name, unsigned client,
		 const char *profile)
{
	char mac[18];
	const char *macs[1] = { mac };
	struct ipam_host_opts o = { .macs = macs, .nmacs = 1, .boot = profile };

	snprintf(mac, sizeof(mac), "52:54:00:00:00:%02x", client);
	CHECK_INT(ipam_host_add(db, name, &o), 0);
}

TEST(profiles)
{
	struct ipam *db = lab();
	struct ipam_boot_profile_opts none = { 0 };

	host(db, "disk", 1, "local");
	host(db, "plainhost", 2, NULL);		/* boot-default-profile */
	host(db, "os", 3, "os");
	host(db, "osless", 4, "gone");		/* no such profile */
	CHECK_INT(ipam_boot_profile_add(db, "os", &none), 0);
	CHECK_INT(ipam_boot_profile_bootfile_set(db, "os",
						 "os/grubx64.efi"), 0);

	/* local: no boot file, and nothing that makes a PXE ROM wait. */
	CHECK_STR(boot(1, BIOS), "");
	CHECK_INT(reply.siaddr, 0);
	CHECK(!reply.opt[60].present && !reply.opt[43].present);
	CHECK_CONTAINS(out.note, "no boot file (bios): boot profile local");
	CHECK_STR(boot(1, IPXE), "");
	CHECK_STR(boot(2, UEFI), "");		/* local by default */
	/* The profile's file replaces the firmware's, as a URL over HTTP,
	 * but its iPXE gets the script. */
	CHECK_STR(boot(3, UEFI), "os/grubx64.efi");
	CHECK_CONTAINS(out.note, "boot os/grubx64.efi (uefi-x64, profile os)");
	CHECK_STR(boot(3, BIOS), "os/grubx64.efi");
	CHECK_STR(boot(3, HTTP), "http://10.0.0.1/os/grubx64.efi");
	CHECK_STR(boot(3, IPXE), "http://10.0.0.1/boot.ipxe");
	CHECK(!strstr(out.note, "profile os"));
	CHECK_STR(boot(4, UEFI), "ipxe.efi");
	/* Unknown machines get the table (the enlist path). */
	CHECK_STR(boot(9, UEFI), "ipxe.efi");
	/* Changes are read per request: no reload needed. */
	CHECK_INT(ipam_boot_profile_bootfile_set(db, "os", ""), 0);
	CHECK_STR(boot(3, UEFI), "ipxe.efi");
	CHECK_INT(ipam_setting_set(db, "boot-default-profile", "os"), 0);
	CHECK_STR(boot(2, UEFI), "ipxe.efi");
	CHECK_INT(ipam_host_set(db, "os", &(struct ipam_host_opts){
				.boot = "local" }), 0);
	CHECK_STR(boot(3, UEFI), "");
	fx_close(&fx);
}

/* What the table takes: every value checked when it is set. */
TEST(table_rules)
{
	struct ipam *db = lab();
	struct ipam_subnet_opts v6 = { .fabric = "lab", .vid = 0,
				       .managed = -1 };
	char big[200];

	CHECK_FAILS(db, ipam_bootfile_set(db, "sparc", "x", NULL), -EINVAL,
		    "unknown architecture 'sparc': use bios, uefi-x64, "
		    "uefi-arm64, uefi-http or ipxe");
	CHECK_FAILS(db, ipam_bootfile_set(db, "bios", "", NULL), -EINVAL,
		    "the boot file is empty");
	CHECK_FAILS(db, ipam_bootfile_set(db, "bios", "a b", NULL), -EINVAL,
		    "printable ASCII without spaces (byte 2 is not)");
	CHECK_FAILS(db, ipam_bootfile_set(db, "bios", "a\tb", NULL), -EINVAL,
		    "byte 2 is not");
	CHECK_FAILS(db, ipam_bootfile_set(db, "bios", "caf\xc3\xa9", NULL),
		    -EINVAL, "byte 4 is not");
	CHECK_FAILS(db, ipam_bootfile_set(db, "ipxe", "${host}/x", NULL),
		    -EINVAL, "'$' at byte 1 does not start ${server} or "
		    "${http}");
	CHECK_FAILS(db, ipam_bootfile_set(db, "ipxe", "x$", NULL), -EINVAL,
		    "'$' at byte 2");
	memset(big, 'a', 128);
	big[128] = '\0';
	CHECK_FAILS(db, ipam_bootfile_set(db, "bios", big, NULL), -EINVAL,
		    "is 128 bytes long, the most is 127");
	big[127] = '\0';
	CHECK_INT(ipam_bootfile_set(db, "bios", big, NULL), 0);
	/* ${http} may become "http://255.255.255.255:65535", 28 bytes. */
	big[100] = '\0';
	strcat(big, "${http}");
	CHECK_FAILS(db, ipam_bootfile_set(db, "bios", big, NULL), -EINVAL,
		    "can grow to 128 bytes once ${server} and ${http} are "
		    "filled in");
	big[99] = '\0';
	strcat(big, "${http}");
	CHECK_INT(ipam_bootfile_set(db, "bios", big, NULL), 0);
	CHECK_FAILS(db, ipam_bootfile_set(db, "bios", "x", "10.9.0.0/24"),
		    -ENOENT, "subnet 10.9.0.0/24 does not exist");
	CHECK_INT(ipam_subnet_add(db, "fd00::/64", &v6), 0);
	CHECK_FAILS(db, ipam_bootfile_set(db, "bios", "x", "fd00::/64"),
		    -EINVAL, "subnet fd00::/64 is IPv6");
	CHECK_FAILS(db, ipam_bootfile_rm(db, "ipxe", NULL), -ENOENT,
		    "no global boot file is set for ipxe (it uses the "
		    "default, ${http}/boot.ipxe)");
	CHECK_FAILS(db, ipam_bootfile_rm(db, "ipxe", "10.0.0.0/24"), -ENOENT,
		    "subnet 10.0.0.0/24 has no boot file of its own for ipxe");
	CHECK_FAILS(db, ipam_boot_profile_bootfile_set(db, "nope", "x"),
		    -ENOENT, "boot profile nope does not exist");
	CHECK_FAILS(db, ipam_boot_profile_bootfile_set(db, "nope", "a b"),
		    -EINVAL, "--bootfile must be printable");
	fx_close(&fx);
}

/* A client that is not booting runs exactly the IPAM statements it ran
 * before boot selection existed: the same SQLite VM steps as another
 * plain client in the same position, while a boot client pays for its
 * lookups. */
TEST(plain_clients_cost_nothing_more)
{
	struct ipam *db = lab();
	int64_t plain1, pxe, plain2;

	CHECK_INT(ipam_bootfile_set(db, "bios", "pxelinux.0", NULL), 0);
	host(db, "os", 12, "os");
	rack(db);
	CHECK_STR(boot(10, PLAIN), "");		/* warm the statements */
	CHECK_STR(boot(20, BIOS), "pxelinux.0");
	ipam_vm_steps(db);
	CHECK_STR(boot(11, PLAIN), "");
	plain1 = ipam_vm_steps(db);
	CHECK_STR(boot(21, BIOS), "pxelinux.0");
	pxe = ipam_vm_steps(db);
	CHECK_STR(boot(13, PLAIN), "");
	plain2 = ipam_vm_steps(db);
	CHECK(plain1 > 0);
	CHECK_INT(plain2, plain1);
	CHECK(pxe > plain1);
	fx_close(&fx);
}

int main(void)
{
	RUN(defaults_by_architecture);
	RUN(plain_and_unsupported_clients_get_nothing);
	RUN(global_and_subnet_rows);
	RUN(profiles);
	RUN(table_rules);
	RUN(plain_clients_cost_nothing_more);
	dhcp_view_free(&view);
	return test_done();
}
