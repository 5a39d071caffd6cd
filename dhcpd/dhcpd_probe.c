/*
 * Competing DHCP servers, the daemon half (see dhcpd_probe.h).
 *
 * The socket is AF_PACKET/SOCK_RAW so a probe leaves from the probe's own
 * locally administered MAC (dhcp_probe_mac), not the interface's, and a
 * sighting carries the sender's MAC. Its BPF filter passes only IPv4 UDP
 * to the client port, and outgoing frames are ignored, so our own replies
 * and everything else the host handles never wake dhcpd here. A probe is
 * a few sendto() calls and a timer: serving goes on meanwhile.
 *
 * Sightings are written to IPAM as they come, at most once a second per
 * server and interface (a site server answering a busy unmanaged VLAN
 * costs one small write a second, not one per packet).
 */
#include "dhcpd_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcp_probe.h"
#include "log.h"

#define MAX_SENT 64		/* interfaces one probe covers */
#define MAX_STOPPED 64		/* VLANs held back at once */
#define RX_BATCH 64		/* frames read per wake-up */
#define RECENT 64		/* sightings remembered for the throttle */

struct sent {
	int ifindex;
	uint32_t xid;
	uint8_t mac[6];
};

struct recent {
	uint32_t server_id;
	int ifindex;
	int64_t when;
};

struct dhcpd_probe {
	struct event_base *base;
	struct ipam *db;
	const struct dhcp_view *view;
	struct dhcp_server *srv;
	uint16_t cport;			/* the client port, srv->port + 1 */
	int fd;
	struct event *rx_ev, *end_ev;

	int64_t interval, wait;		/* settings */
	bool unmanaged;
	bool loaded;			/* settings read once */
	bool requests;			/* IPAM changed: look for requests */
	int64_t next;			/* next scheduled probe; 0: none */

	bool running;
	int64_t req_id;			/* 0: a scheduled probe */
	int found;
	struct sent sent[MAX_SENT];
	size_t nsent;
	uint32_t xid;

	int member[MAX_SENT];		/* interfaces that pass the probe MAC */
	size_t nmember;

	struct recent recent[RECENT];
	int64_t full_said;		/* when "the table is full" was said */
	int64_t stopped[MAX_STOPPED];		/* VLAN ids, srv->stopped */
	char stopped_name[MAX_STOPPED][80];
	size_t nstopped;
	struct dhcp_msg msg;		/* scratch */
};

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static const char *ip4(uint32_t ip, char *buf)
{
	uint32_t n = htonl(ip);

	return inet_ntop(AF_INET, &n, buf, INET_ADDRSTRLEN);
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : "?";
}

/* ---- the VLANs where we stop answering ---- */

static bool has(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Recompute from IPAM; say loudly what starts and what ends. The handler
 * reads the VLAN ids (srv->stopped); the names are for the log. */
static void stop_update(struct dhcpd_probe *p)
{
	json_t *rows = ipam_dhcp_rogue_vlans(p->db), *row;
	int64_t ids[MAX_STOPPED];
	char names[MAX_STOPPED][80];
	size_t n = 0, i;

	if (!rows) {
		log_error("cannot read the VLANs to stop DHCP on: %s",
			  ipam_error(p->db));
		return;
	}
	json_array_foreach(rows, i, row) {
		int64_t id = json_integer_value(json_object_get(row, "vlan_id"));

		if (has(ids, n, id) || n == MAX_STOPPED)
			continue;
		ids[n] = id;
		snprintf(names[n], sizeof(names[n]), "%s", jstr(row, "vlan"));
		if (!has(p->stopped, p->nstopped, id))
			log_warn("stopping DHCP on VLAN %s: competing DHCP server "
				 "%s (mac %s) is active there and the VLAN has "
				 "stop-on-rogue on", names[n],
				 jstr(row, "server_id"), jstr(row, "mac"));
		n++;
	}
	json_decref(rows);
	for (i = 0; i < p->nstopped; i++)
		if (!has(ids, n, p->stopped[i]))
			log_warn("resuming DHCP on VLAN %s: no competing server is "
				 "active there any more", p->stopped_name[i]);
	memcpy(p->stopped, ids, n * sizeof(ids[0]));
	memcpy(p->stopped_name, names, n * sizeof(names[0]));
	p->nstopped = n;
	p->srv->stopped = p->stopped;
	p->srv->nstopped = n;
}

/* ---- sightings ---- */

/* Whether this server on this interface was written within the second;
 * if not, remember it as written now. */
static bool throttled(struct dhcpd_probe *p, uint32_t server_id, int ifindex,
		      int64_t now)
{
	struct recent *r = &p->recent[(server_id ^ (uint32_t)ifindex *
				       2654435761u) % RECENT];

	if (r->server_id == server_id && r->ifindex == ifindex &&
	    r->when == now)
		return true;
	*r = (struct recent){ server_id, ifindex, now };
	return false;
}

static void record(struct dhcpd_probe *p, const struct ipam_dhcp_seen *s,
		   int ifindex, const char *what)
{
	int64_t now = now_s();
	const char *vlan = dhcp_view_vlan_name(p->view, s->vlan_id);
	char id[INET_ADDRSTRLEN], mac[MAC_STRLEN] = "unknown";
	bool allowed = false;
	int r;

	if (throttled(p, ip_v4(&s->server_id), ifindex, now))
		return;
	r = ipam_dhcp_server_observe(p->db, s, now, &allowed);
	ip4(ip_v4(&s->server_id), id);
	if (r == -ENOSPC) {
		/* A flood of made-up servers: said once a minute. */
		if (now - p->full_said >= 60) {
			log_warn("DHCP server %s on %s: %s", id, s->ifname,
				 ipam_error(p->db));
			p->full_said = now;
		}
		return;
	}
	if (r < 0) {
		log_error("cannot record DHCP server %s: %s", id,
			  ipam_error(p->db));
		return;
	}
	if (r == 0)
		return;
	if (s->has_mac)
		mac_format(&s->mac, mac, sizeof(mac));
	if (allowed)
		log_notice("allowed DHCP server %s (mac %s, on %s, VLAN %s) "
			   "seen: %s", id, mac, s->ifname, vlan ? vlan : "?",
			   what);
	else
		log_warn("competing DHCP server %s (mac %s, on %s, VLAN %s) "
			 "seen: %s", id, mac, s->ifname, vlan ? vlan : "?", what);
	stop_update(p);
}

/* The handler's hook: a client's REQUEST names another server. */
static void heard_request(void *ctx, int ifindex,
			  const struct ipam_dhcp_seen *s)
{
	record(ctx, s, ifindex, "a client's REQUEST names it");
}

static const struct sent *probe_of(const struct dhcpd_probe *p,
				   const struct dhcp_heard *h, int ifindex)
{
	for (size_t i = 0; p->running && i < p->nsent; i++)
		if (p->sent[i].ifindex == ifindex && p->sent[i].xid == h->xid &&
		    !memcmp(p->sent[i].mac, h->chaddr, 6))
			return &p->sent[i];
	return NULL;
}

static void heard(struct dhcpd_probe *p, const uint8_t *frame, size_t len,
		  int ifindex)
{
	const struct dhcp_netif *nif = dhcp_view_netif(p->view, ifindex);
	struct ipam_dhcp_seen s = { .has_mac = true };
	struct dhcp_heard h;
	const char *why = NULL;
	char what[96], a[INET_ADDRSTRLEN], b[MAC_STRLEN];

	if (!nif)
		return;		/* loopback, or not ours (--interface) */
	if (dhcp_heard_parse(frame, len, p->cport, &p->msg, &h, &why) < 0) {
		log_debug("DHCP client port frame on %s ignored: %s",
			  nif->k.name, why ? why : "?");
		return;
	}
	if (dhcp_view_is_ours(p->view, h.server_id))
		return;		/* ours, heard on another interface */
	p->srv->counters->heard++;
	ip_set_v4(&s.server_id, h.server_id);
	ip_set_v4(&s.src_ip, h.src_ip);
	memcpy(s.mac.b, h.src_mac, 6);
	s.ifname = nif->k.name;
	s.vlan_id = nif->vlan_id;
	if (h.yiaddr)
		ip_set_v4(&s.offered, h.yiaddr);
	if (probe_of(p, &h, ifindex)) {
		p->found++;
		s.via = "probe";
		snprintf(what, sizeof(what), "%s of %s to our probe",
			 dhcp_type_name(h.type), ip4(h.yiaddr, a));
	} else {
		struct mac_addr client;

		memcpy(client.b, h.chaddr, 6);
		s.via = h.type == DHCP_OFFER ? "offer" :
			h.type == DHCP_ACK ? "ack" : "nak";
		snprintf(what, sizeof(what), "%s of %s to %s",
			 dhcp_type_name(h.type), ip4(h.yiaddr, a),
			 mac_format(&client, b, sizeof(b)));
	}
	record(p, &s, ifindex, what);
}

static void on_rx(evutil_socket_t fd, short what, void *arg)
{
	struct dhcpd_probe *p = arg;
	uint8_t frame[DHCP_MAX_LEN + 64];

	(void)what;
	for (int i = 0; i < RX_BATCH; i++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, frame, sizeof(frame), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		if (from.sll_pkttype != PACKET_OUTGOING)
			heard(p, frame, (size_t)n, from.sll_ifindex);
	}
}

/* ---- probing ---- */

static void probe_end(struct dhcpd_probe *p, const char *error)
{
	int64_t now = now_s();

	if (p->req_id &&
	    ipam_dhcp_probe_done(p->db, p->req_id, now, (int)p->nsent,
				 p->found, error) < 0)
		log_error("cannot record the end of probe %lld: %s",
			  (long long)p->req_id, ipam_error(p->db));
	if (error)
		log_msg(p->req_id ? LL_NOTICE : LL_DEBUG,
			"probe for DHCP servers: %s", error);
	else
		log_info("probe for DHCP servers on %zu interfaces: %d answers "
			 "from other servers", p->nsent, p->found);
	p->running = false;
	p->next = p->interval > 0 ? now + p->interval : 0;
}

static void on_probe_end(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	probe_end(arg, NULL);
}

/* Have the interface pass unicast frames to the probe's MAC up to us:
 * a server that ignores the broadcast flag answers to it, and a real NIC
 * drops frames to MACs it was not told about. Once per interface. */
static void probe_listen(struct dhcpd_probe *p, int ifindex,
			 const uint8_t mac[6])
{
	struct packet_mreq mr = { .mr_ifindex = ifindex,
				  .mr_type = PACKET_MR_UNICAST,
				  .mr_alen = 6 };

	for (size_t i = 0; i < p->nmember; i++)
		if (p->member[i] == ifindex)
			return;
	memcpy(mr.mr_address, mac, 6);
	if (p->nmember < MAX_SENT &&
	    setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
		       sizeof(mr)) == 0)
		p->member[p->nmember++] = ifindex;
}

static bool probe_send(struct dhcpd_probe *p, const struct dhcp_netif *nif)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = nif->k.ifindex,
		.sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	struct sent *s = &p->sent[p->nsent];
	uint8_t frame[DHCP_PROBE_FRAME_MAX];
	size_t len;

	dhcp_probe_mac(nif->k.mac, s->mac);
	probe_listen(p, nif->k.ifindex, s->mac);
	s->ifindex = nif->k.ifindex;
	s->xid = p->xid++;
	len = dhcp_probe_frame(frame, sizeof(frame), s->mac, s->xid,
			       p->srv->port, p->cport);
	if (!len || sendto(p->fd, frame, len, 0, (struct sockaddr *)&to,
			   sizeof(to)) < 0) {
		log_warn("cannot send a probe for DHCP servers on %s: %s",
			 nif->k.name, strerror(errno));
		return false;
	}
	p->nsent++;
	p->srv->counters->probes++;
	return true;
}

/* Probe every interface that matches (ifname "" and vlan_id 0: all
 * that are served, and unserved ones too with dhcp-probe-unmanaged). */
static void probe_start(struct dhcpd_probe *p, int64_t req_id,
			const char *ifname, int64_t vlan_id)
{
	struct timeval tv = { (time_t)p->wait, 0 };
	char names[256] = "";
	size_t len = 0;

	p->running = true;
	p->req_id = req_id;
	p->found = 0;
	p->nsent = 0;
	for (size_t i = 0; i < p->view->nifs && p->nsent < MAX_SENT; i++) {
		const struct dhcp_netif *nif = &p->view->ifs[i];

		if (!nif->k.ether || !nif->k.up || nif->k.loopback ||
		    (ifname[0] && strcmp(ifname, nif->k.name)) ||
		    (vlan_id && nif->vlan_id != vlan_id) ||
		    (!nif->served && !p->unmanaged && !ifname[0] && !vlan_id))
			continue;
		if (probe_send(p, nif) && len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len,
						"%s%s", len ? ", " : "",
						nif->k.name);
	}
	if (p->nsent == 0) {
		probe_end(p, ifname[0] || vlan_id ?
			  "no such interface up with an Ethernet address to "
			  "probe" : "no interface to probe");
		return;
	}
	log_info("probing for DHCP servers on %s for %lld s%s", names,
		 (long long)p->wait, req_id ? " (asked for)" : "");
	evtimer_add(p->end_ev, &tv);
}

/* ---- the interface ---- */

void dhcpd_probe_reload(struct dhcpd_probe *p)
{
	int64_t interval = ipam_setting_int(p->db, "dhcp-probe-interval");

	p->wait = ipam_setting_int(p->db, "dhcp-probe-wait");
	if (p->wait < 1)
		p->wait = 1;
	p->unmanaged = ipam_setting_int(p->db, "dhcp-probe-unmanaged") > 0;
	if (!p->loaded || interval != p->interval) {
		/* On start, or a new interval: probe soon, then on it. */
		p->next = interval > 0 ? now_s() + 1 : 0;
		p->interval = interval;
		p->loaded = true;
	}
	p->requests = true;
	stop_update(p);
}

void dhcpd_probe_tick(struct dhcpd_probe *p)
{
	int64_t now = now_s();
	json_t *gone = ipam_dhcp_server_expire(p->db, now), *row;
	struct ipam_dhcp_probe req;
	size_t i;
	int r;

	if (!gone) {
		log_error("cannot check for DHCP servers gone: %s",
			  ipam_error(p->db));
	} else if (json_array_size(gone)) {
		json_array_foreach(gone, i, row) {
			bool allowed = json_is_true(json_object_get(row,
								    "allowed"));

			log_msg(allowed ? LL_NOTICE : LL_WARN, "%s DHCP server %s "
				"(mac %s, on %s, VLAN %s) gone: not seen for "
				"%lld s", allowed ? "allowed" : "competing",
				jstr(row, "server_id"), jstr(row, "mac"),
				jstr(row, "interface"), jstr(row, "vlan"),
				(long long)ipam_setting_int(p->db,
					"dhcp-server-timeout"));
		}
		stop_update(p);
	}
	json_decref(gone);
	if (p->running)
		return;
	if (p->requests) {
		p->requests = false;
		r = ipam_dhcp_probe_take(p->db, now, &req);
		if (r < 0)
			log_error("cannot read probe requests: %s",
				  ipam_error(p->db));
		if (r > 0) {
			p->requests = true;	/* maybe more after this one */
			probe_start(p, req.id, req.ifname, req.vlan_id);
			return;
		}
	}
	if (p->next && now >= p->next)
		probe_start(p, 0, "", 0);
}

struct dhcpd_probe *dhcpd_probe_new(struct event_base *base, struct ipam *db,
				    const struct dhcp_view *view,
				    struct dhcp_server *srv, uint16_t port)
{
	struct sock_filter code[DHCP_CAPTURE_FILTER_LEN];
	struct sock_fprog prog = { DHCP_CAPTURE_FILTER_LEN, code };
	/* ETH_P_ALL: frames as they arrive, before the kernel strips a VLAN
	 * tag it has no VLAN interface for (then a frame of VLAN 42 would
	 * look like the parent's own); the filter refuses tagged ones. */
	struct sockaddr_ll sa = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL) };
	struct dhcpd_probe *p = calloc(1, sizeof(*p));
	int one = 1, e;

	if (!p)
		return NULL;
	p->base = base;
	p->db = db;
	p->view = view;
	p->srv = srv;
	p->cport = (uint16_t)(port + 1);
	dhcp_capture_filter(code, p->cport);
	/* Protocol 0 until the filter is on, so nothing unfiltered queues. */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0 ||
	    setsockopt(p->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof(prog)) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) < 0 ||
	    bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	if (getrandom(&p->xid, sizeof(p->xid), 0) < 0)
		p->xid = (uint32_t)getpid() << 16;
	p->rx_ev = event_new(base, p->fd, EV_READ | EV_PERSIST, on_rx, p);
	p->end_ev = evtimer_new(base, on_probe_end, p);
	if (!p->rx_ev || !p->end_ev || event_add(p->rx_ev, NULL) < 0) {
		errno = ENOMEM;
		goto fail;
	}
	srv->heard = heard_request;
	srv->heard_ctx = p;
	return p;
fail:
	e = errno;
	dhcpd_probe_free(p);
	errno = e;
	return NULL;
}

void dhcpd_probe_free(struct dhcpd_probe *p)
{
	if (!p)
		return;
	if (p->rx_ev)
		event_free(p->rx_ev);
	if (p->end_ev)
		event_free(p->end_ev);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}
