/*
 * libFuzzer harness for dhcpd/dhcp_probe.c: any bytes as a frame captured
 * on the DHCP client port (what the detection of competing servers reads
 * from every interface). An accepted frame must be a server's OFFER, ACK
 * or NAK with a server identifier, and must read the same a second time.
 * Then the probe the daemon would send from a MAC and xid taken from the
 * input: it must parse as a DISCOVER that any racknet recognises as a
 * probe, and must never pass for a server's reply.
 */
#include <errno.h>
#include <string.h>

#include "dhcp_probe.h"
#include "fuzz.h"

static struct dhcp_msg msg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t frame[DHCP_PROBE_FRAME_MAX], mac[6] = { 0 }, ifmac[6] = { 0 };
	struct dhcp_heard h, again;
	const char *why = NULL;
	uint32_t xid = 0;
	size_t len;
	int r;

	r = dhcp_heard_parse(data, size, 68, &msg, &h, &why);
	FUZZ_CHECK(r == 0 || r == -EBADMSG);
	if (r == 0) {
		FUZZ_CHECK(h.type == DHCP_OFFER || h.type == DHCP_ACK ||
			   h.type == DHCP_NAK);
		FUZZ_CHECK(h.server_id != 0);
		FUZZ_CHECK(dhcp_heard_parse(data, size, 68, &msg, &again,
					    &why) == 0);
		FUZZ_CHECK(!memcmp(&h, &again, sizeof(h)));
	} else {
		FUZZ_CHECK(why != NULL && *why);
	}

	memcpy(ifmac, data, size < 6 ? size : 6);
	if (size >= 10)
		memcpy(&xid, data + 6, 4);
	dhcp_probe_mac(ifmac, mac);
	FUZZ_CHECK(memcmp(mac, ifmac, 6) && (mac[0] & 3) == 2);
	len = dhcp_probe_frame(frame, sizeof(frame), mac, xid, 67, 68);
	FUZZ_CHECK(len > 42);
	FUZZ_CHECK(dhcp_parse(&msg, frame + 42, len - 42, &why) == 0);
	FUZZ_CHECK(msg.type == DHCP_DISCOVER && dhcp_probe_is(&msg));
	FUZZ_CHECK(msg.xid == xid && !memcmp(msg.chaddr, mac, 6));
	FUZZ_CHECK(dhcp_heard_parse(frame, len, 68, &msg, &h, &why) < 0);
	return 0;
}
