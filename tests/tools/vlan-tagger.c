/*
 * vlan-tagger: an emulated 802.1Q subinterface for integration tests on
 * kernels without the 8021q module. It creates a TAP device that plays the
 * role of PARENT.VID: frames the kernel sends out of the TAP get a tag
 * (TPID 0x8100, VID, PCP 0) and go out of PARENT through a packet socket;
 * frames arriving on PARENT tagged with VID are untagged and handed to the
 * TAP. Untagged frames and other VIDs are left to the kernel, which handles
 * untagged traffic on PARENT itself and drops tagged frames it cannot place.
 *
 * The kernel moves a received tag out of the frame into packet metadata
 * (skb->vlan_tci) even without 8021q, so the tag is read back from
 * PACKET_AUXDATA; a tag still inline in the frame is handled too.
 *
 * The TAP is created last, after the packet socket is bound: once the TAP
 * exists the tagger is ready, which is what tests/lib/netns.sh waits for.
 * Frames that arrive with a checksum the sender left to offload
 * (TP_STATUS_CSUMNOTREADY) are passed on as they are; senders behind another
 * tagger's TAP always complete their checksums.
 *
 * Test tooling only: Linux, no libraries, one poll() loop, runs until
 * SIGTERM or SIGINT. `--self-test` checks the frame code without sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define ADDRS_LEN	12		/* destination + source MAC */
#define VLAN_HLEN	4		/* TPID + TCI */
#define TPID_8021Q	0x8100
#define VID_MASK	0x0fff
#define FRAME_MAX	(65535 + ETH_HLEN + VLAN_HLEN)
#define BURST_MAX	64		/* frames per fd per wake-up, for fairness */

enum lvl { L_ERROR, L_WARN, L_NOTICE, L_INFO, L_DEBUG, L_MAX };

static const char *const lvl_names[L_MAX] = {
	"error", "warn", "notice", "info", "debug",
};

static enum lvl log_cur = L_NOTICE;

/* What the receive path knows about a frame's tag besides its bytes. */
struct vlan_meta {
	bool tagged;		/* the kernel reported a stripped tag */
	uint16_t tpid;		/* 0 when the kernel did not say */
	uint16_t tci;
};

struct tagger {
	int sock_fd;
	int tap_fd;
	int sig_fd;
	int ifindex;
	bool parent_down;	/* saw ENETDOWN, no frame since */
	uint16_t vid;
	unsigned long to_parent, to_tap, ignored, dropped;
	/* Room for a tag in front, so a TAP frame can be tagged in place. */
	uint8_t buf[VLAN_HLEN + FRAME_MAX];
};

static struct tagger tg = { .sock_fd = -1, .tap_fd = -1, .sig_fd = -1 };

static void logm(enum lvl level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logm(enum lvl level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_cur)
		return;
	fprintf(stderr, "vlan-tagger[%ld] %s: ", (long)getpid(),
		lvl_names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Tag a frame in place. The untagged frame of len bytes starts at
 * buf + VLAN_HLEN; buf holds cap bytes. On success the tagged frame starts
 * at buf and *ret_len is its length.
 */
static int vlan_frame_push(uint8_t *buf, size_t cap, size_t len, uint16_t vid,
			   size_t *ret_len)
{
	if (cap < VLAN_HLEN || cap - VLAN_HLEN < len)
		return -EMSGSIZE;
	if (len < ETH_HLEN)
		return -EBADMSG;
	memmove(buf, buf + VLAN_HLEN, ADDRS_LEN);
	put_be16(buf + ADDRS_LEN, TPID_8021Q);
	put_be16(buf + ADDRS_LEN + 2, vid & VID_MASK);	/* PCP 0, DEI 0 */
	*ret_len = len + VLAN_HLEN;
	return 0;
}

/*
 * Decide whether a received frame belongs to VLAN vid and untag it.
 * Returns 0 with the untagged frame at frame + *ret_off (length
 * len - *ret_off), -ENOENT for untagged frames and other VLANs, -EBADMSG for
 * frames too short to be Ethernet.
 */
static int vlan_frame_pop(uint8_t *frame, size_t len,
			  const struct vlan_meta *meta, uint16_t vid,
			  size_t *ret_off)
{
	if (len < ETH_HLEN)
		return -EBADMSG;
	if (meta->tagged) {
		/* The kernel already took the tag out of the frame. */
		if (meta->tpid != 0 && meta->tpid != TPID_8021Q)
			return -ENOENT;
		if ((meta->tci & VID_MASK) != vid)
			return -ENOENT;
		*ret_off = 0;
		return 0;
	}
	if (get_be16(frame + ADDRS_LEN) != TPID_8021Q)
		return -ENOENT;
	if (len - ETH_HLEN < VLAN_HLEN)
		return -EBADMSG;
	if ((get_be16(frame + ETH_HLEN) & VID_MASK) != vid)
		return -ENOENT;
	memmove(frame + VLAN_HLEN, frame, ADDRS_LEN);
	*ret_off = VLAN_HLEN;
	return 0;
}

/* Fill meta from the PACKET_AUXDATA control message, if there is one. */
static void vlan_meta_from_msg(struct msghdr *msg, struct vlan_meta *meta)
{
	struct cmsghdr *c;
	struct tpacket_auxdata aux;

	memset(meta, 0, sizeof(*meta));
	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_PACKET ||
		    c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		/* Old kernels set no VLAN_VALID flag, only a non-zero TCI. */
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID) &&
		    aux.tp_vlan_tci == 0)
			continue;
		meta->tagged = true;
		meta->tci = aux.tp_vlan_tci;
		if (aux.tp_status & TP_STATUS_VLAN_TPID_VALID)
			meta->tpid = aux.tp_vlan_tpid;
	}
}

/* Parent -> TAP: one frame from the packet socket. 0, -EAGAIN when empty. */
static int tagger_from_parent(struct tagger *t)
{
	union {
		struct cmsghdr align;
		uint8_t space[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct sockaddr_ll from = { .sll_pkttype = PACKET_HOST };
	struct iovec iov = { .iov_base = t->buf, .iov_len = sizeof(t->buf) };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.space, .msg_controllen = sizeof(ctl.space),
	};
	struct vlan_meta meta;
	ssize_t n;
	size_t off;
	int r;

	n = recvmsg(t->sock_fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0 && errno == ENETDOWN) {
		/* Reported once per down; the socket stays bound. */
		logm(L_WARN, "parent is down");
		t->parent_down = true;
		return 0;
	}
	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	t->parent_down = false;
	if (from.sll_pkttype == PACKET_OUTGOING)
		return 0;	/* our own sends, and the kernel's */
	if ((size_t)n > sizeof(t->buf) || (msg.msg_flags & MSG_CTRUNC)) {
		t->dropped++;
		logm(L_DEBUG, "dropped a %zd byte frame from the parent", n);
		return 0;
	}
	vlan_meta_from_msg(&msg, &meta);
	r = vlan_frame_pop(t->buf, (size_t)n, &meta, t->vid, &off);
	if (r < 0) {
		t->ignored++;
		return 0;
	}
	if (write(t->tap_fd, t->buf + off, (size_t)n - off) < 0) {
		t->dropped++;
		logm(L_DEBUG, "write to tap: %s", strerror(errno));
		return 0;
	}
	t->to_tap++;
	return 0;
}

/* TAP -> parent: one frame from the TAP. 0, -EAGAIN when empty. */
static int tagger_from_tap(struct tagger *t)
{
	ssize_t n;
	size_t len;
	int r;

	n = read(t->tap_fd, t->buf + VLAN_HLEN, sizeof(t->buf) - VLAN_HLEN);
	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	r = vlan_frame_push(t->buf, sizeof(t->buf), (size_t)n, t->vid, &len);
	if (r < 0) {
		t->dropped++;
		logm(L_DEBUG, "dropped a %zd byte frame from the tap", n);
		return 0;
	}
	if (send(t->sock_fd, t->buf, len, MSG_DONTWAIT) < 0) {
		t->dropped++;
		logm(L_DEBUG, "send on parent: %s", strerror(errno));
		return 0;
	}
	t->to_parent++;
	return 0;
}

/* Drain up to BURST_MAX frames with fn; errors other than EAGAIN are fatal. */
static int tagger_drain(struct tagger *t, int (*fn)(struct tagger *),
			const char *what)
{
	int i, r;

	for (i = 0; i < BURST_MAX; i++) {
		r = fn(t);
		if (r == -EAGAIN || r == -EWOULDBLOCK)
			return 0;
		if (r < 0) {
			logm(L_ERROR, "reading the %s: %s", what, strerror(-r));
			return r;
		}
	}
	return 0;
}

/*
 * The kernel says ENETDOWN when the parent goes down and nothing more when
 * it is then deleted; so while it is down, look for it once a second.
 */
static bool tagger_parent_gone(const struct tagger *t)
{
	char name[IFNAMSIZ];

	if (!t->parent_down)
		return false;
	return if_indextoname((unsigned)t->ifindex, name) == NULL &&
	       (errno == ENXIO || errno == ENODEV);
}

static int tagger_loop(struct tagger *t)
{
	struct pollfd pfd[3] = {
		{ .fd = t->sig_fd, .events = POLLIN },
		{ .fd = t->sock_fd, .events = POLLIN },
		{ .fd = t->tap_fd, .events = POLLIN },
	};
	int r;

	for (;;) {
		if (poll(pfd, 3, t->parent_down ? 1000 : -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			logm(L_ERROR, "poll: %s", strerror(errno));
			return r;
		}
		if (tagger_parent_gone(t)) {
			logm(L_ERROR, "the parent interface is gone");
			return -ENODEV;
		}
		if (pfd[0].revents)
			return 0;	/* SIGTERM or SIGINT */
		if (pfd[1].revents & POLLNVAL) {
			logm(L_ERROR, "the packet socket went away");
			return -EBADF;
		}
		if (pfd[2].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			logm(L_ERROR, "the tap went away");
			return -ENODEV;
		}
		/* POLLERR on the socket: recvmsg() says what happened. */
		if (pfd[1].revents & (POLLIN | POLLERR)) {
			r = tagger_drain(t, tagger_from_parent, "parent");
			if (r < 0)
				return r;
		}
		if (pfd[2].revents & POLLIN) {
			r = tagger_drain(t, tagger_from_tap, "tap");
			if (r < 0)
				return r;
		}
	}
}

static int name_copy(char dst[IFNAMSIZ], const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n >= IFNAMSIZ)
		return -ENAMETOOLONG;
	memset(dst, 0, IFNAMSIZ);
	memcpy(dst, src, n);
	return 0;
}

/* Packet socket on the parent: every frame, tags as auxdata, promiscuous. */
static int parent_open(struct tagger *t, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
	int one = 1;
	int fd, r;

	t->ifindex = (int)if_nametoindex(ifname);
	if (t->ifindex == 0)
		return -errno;
	/* Protocol 0: receive nothing until bound to the one interface. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0)
		goto out_close;
	mr.mr_ifindex = t->ifindex;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
		       sizeof(mr)) < 0)
		goto out_close;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = t->ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto out_close;
	t->sock_fd = fd;
	return 0;

out_close:
	r = -errno;
	close(fd);
	return r;
}

static int tap_open(struct tagger *t, const char *name)
{
	struct ifreq ifr;
	int fd, r;

	memset(&ifr, 0, sizeof(ifr));
	r = name_copy(ifr.ifr_name, name);
	if (r < 0)
		return r;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	t->tap_fd = fd;
	return 0;
}

/* SIGTERM/SIGINT arrive on an fd, so the poll loop cannot miss them. */
static int signals_open(struct tagger *t)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	t->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return t->sig_fd < 0 ? -errno : 0;
}

static int parse_vid(const char *s, uint16_t *ret_vid)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v < 1 || v > 4094)
		return -EINVAL;
	*ret_vid = (uint16_t)v;
	return 0;
}

static int parse_level(const char *s, enum lvl *ret_level)
{
	int i;

	for (i = 0; i < L_MAX; i++) {
		if (strcmp(s, lvl_names[i]) == 0) {
			*ret_level = (enum lvl)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int self_test(void);

static void usage(FILE *f)
{
	fprintf(f, "usage: vlan-tagger --parent IF --vid N --tap NAME"
		   " [--log-level error|warn|notice|info|debug]\n"
		   "       vlan-tagger --self-test\n");
}

struct opts {
	const char *parent, *tap, *vid, *level;
	bool self_test;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char **dst = NULL;

		if (strcmp(argv[i], "--parent") == 0)
			dst = &o->parent;
		else if (strcmp(argv[i], "--tap") == 0)
			dst = &o->tap;
		else if (strcmp(argv[i], "--vid") == 0)
			dst = &o->vid;
		else if (strcmp(argv[i], "--log-level") == 0)
			dst = &o->level;
		else if (strcmp(argv[i], "--self-test") == 0)
			o->self_test = true;
		else if (strcmp(argv[i], "--help") == 0 ||
			 strcmp(argv[i], "-h") == 0)
			return 1;
		else
			return -EINVAL;
		if (dst) {
			if (i + 1 >= argc)
				return -EINVAL;
			*dst = argv[++i];
		}
	}
	if (o->self_test)
		return 0;
	return o->parent && o->tap && o->vid ? 0 : -EINVAL;
}

/* Opens everything, TAP last (see the top of the file). */
static int tagger_open(struct tagger *t, const struct opts *o)
{
	int r;

	r = signals_open(t);
	if (r < 0) {
		logm(L_ERROR, "signalfd: %s", strerror(-r));
		return r;
	}
	r = parent_open(t, o->parent);
	if (r < 0) {
		logm(L_ERROR, "packet socket on %s: %s", o->parent,
		     strerror(-r));
		return r;
	}
	r = tap_open(t, o->tap);
	if (r < 0) {
		logm(L_ERROR, "tap %s: %s", o->tap, strerror(-r));
		return r;
	}
	return 0;
}

static void tagger_close(struct tagger *t)
{
	if (t->tap_fd >= 0)
		close(t->tap_fd);
	if (t->sock_fd >= 0)
		close(t->sock_fd);
	if (t->sig_fd >= 0)
		close(t->sig_fd);
	t->tap_fd = t->sock_fd = t->sig_fd = -1;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int r;

	r = parse_args(argc, argv, &o);
	if (r != 0) {
		usage(r > 0 ? stdout : stderr);
		return r > 0 ? 0 : 2;
	}
	if (o.self_test)
		return self_test() == 0 ? 0 : 1;
	if ((o.level && parse_level(o.level, &log_cur) < 0) ||
	    parse_vid(o.vid, &tg.vid) < 0) {
		usage(stderr);
		return 2;
	}
	r = tagger_open(&tg, &o);
	if (r == 0) {
		logm(L_NOTICE, "tap %s <-> %s vid %u ready", o.tap, o.parent,
		     (unsigned)tg.vid);
		r = tagger_loop(&tg);
		logm(L_INFO, "exiting: %lu to parent, %lu to tap, %lu ignored,"
		     " %lu dropped", tg.to_parent, tg.to_tap, tg.ignored,
		     tg.dropped);
	}
	tagger_close(&tg);
	return r == 0 ? 0 : 1;
}

/* ---- self test: the frame code on crafted frames, no sockets ---- */

static int st_fail;

static void st_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "self-test FAIL: %s\n", what);
		st_fail++;
	}
}

/* A frame dst=02:..:01 src=02:..:02, ethertype et, then pad bytes of 0xab. */
static size_t st_frame(uint8_t *p, size_t cap, uint16_t et, size_t len)
{
	memset(p, 0xab, cap);
	memset(p, 0, ADDRS_LEN);
	p[0] = p[6] = 0x02;
	p[5] = 0x01;
	p[11] = 0x02;
	put_be16(p + ADDRS_LEN, et);
	return len;
}

static void self_test_push(void)
{
	uint8_t b[VLAN_HLEN + 64];
	size_t len = 0;

	st_frame(b + VLAN_HLEN, 64, 0x0800, 60);
	st_check(vlan_frame_push(b, sizeof(b), 60, 42, &len) == 0 &&
		 len == 64, "push: a 60 byte frame");
	st_check(b[0] == 0x02 && b[5] == 0x01 && b[11] == 0x02,
		 "push: MACs kept");
	st_check(get_be16(b + 12) == TPID_8021Q && get_be16(b + 14) == 42 &&
		 get_be16(b + 16) == 0x0800 && b[18] == 0xab,
		 "push: tag after the MACs, ethertype after the tag");
	len = 7;
	st_check(vlan_frame_push(b, sizeof(b), 13, 42, &len) == -EBADMSG &&
		 len == 7, "push: a runt is refused, *ret_len untouched");
	st_check(vlan_frame_push(b, sizeof(b), 65, 42, &len) == -EMSGSIZE,
		 "push: a frame larger than the buffer is refused");
	st_check(vlan_frame_push(b, 3, 0, 42, &len) == -EMSGSIZE,
		 "push: a buffer smaller than a tag is refused");
}

static void self_test_pop(void)
{
	struct vlan_meta none = { 0 };
	struct vlan_meta m42 = { .tagged = true, .tci = 42 | 0xe000 };
	struct vlan_meta m43 = { .tagged = true, .tpid = TPID_8021Q, .tci = 43 };
	struct vlan_meta qinq = { .tagged = true, .tpid = 0x88a8, .tci = 42 };
	uint8_t b[64];
	size_t off = 99, len;

	len = st_frame(b, sizeof(b), 0x0800, 60);
	st_check(vlan_frame_pop(b, len, &m42, 42, &off) == 0 && off == 0,
		 "pop: tag in auxdata (PCP set) matches");
	st_check(vlan_frame_pop(b, len, &m43, 42, &off) == -ENOENT,
		 "pop: another VID in auxdata is ignored");
	st_check(vlan_frame_pop(b, len, &qinq, 42, &off) == -ENOENT,
		 "pop: an 802.1ad tag is ignored");
	st_check(vlan_frame_pop(b, len, &none, 42, &off) == -ENOENT,
		 "pop: an untagged frame is ignored");
	st_check(vlan_frame_pop(b, 13, &m42, 42, &off) == -EBADMSG,
		 "pop: a runt is refused");

	len = st_frame(b, sizeof(b), TPID_8021Q, 64);
	put_be16(b + 14, 42);
	put_be16(b + 16, 0x0806);
	off = 99;
	st_check(vlan_frame_pop(b, len, &none, 42, &off) == 0 && off == 4,
		 "pop: an inline tag matches");
	st_check(b[4] == 0x02 && b[9] == 0x01 && b[15] == 0x02 &&
		 get_be16(b + 16) == 0x0806, "pop: inline tag removed");
	len = st_frame(b, sizeof(b), TPID_8021Q, 64);
	put_be16(b + 14, 43);
	st_check(vlan_frame_pop(b, len, &none, 42, &off) == -ENOENT,
		 "pop: an inline tag with another VID is ignored");
	st_check(vlan_frame_pop(b, 17, &none, 42, &off) == -EBADMSG,
		 "pop: a truncated inline tag is refused");
}

static int self_test(void)
{
	uint16_t vid = 0;

	self_test_push();
	self_test_pop();
	st_check(parse_vid("42", &vid) == 0 && vid == 42, "vid: 42");
	st_check(parse_vid("0", &vid) < 0 && parse_vid("4095", &vid) < 0 &&
		 parse_vid("4x", &vid) < 0 && parse_vid("", &vid) < 0 &&
		 parse_vid("-1", &vid) < 0, "vid: out of range or junk");
	fprintf(stderr, "self-test: %s\n", st_fail ? "FAILED" : "ok");
	return st_fail ? -EINVAL : 0;
}
