#!/usr/bin/python3
"""Malformed traffic at racknet's daemons, for tests/netns/test_malformed.sh.

Real requests are built with scapy (a DHCPDISCOVER and a DHCPREQUEST from a
relay agent, DNS queries with and without EDNS, TFTP read and write
requests with options, an HTTP GET as iPXE sends it); each is then sent in
many broken forms: truncated at many lengths, oversized, with wrong length
fields, with bad options, as random bytes, with a few bits flipped, and
through scapy's fuzz(). Every case goes out once, from its own socket where
the protocol allows it, so that each reply is matched to what it answers.

This program only sends and listens: the test compares what it reports with
the daemons' own counters. It prints one JSON object: per protocol, how
many datagrams (or TCP messages, or connections) went out, by kind; how
many replies came back, by kind; and "bad", every reply that is wrong
(no more than 20 kept, with the bytes that caused it). The same --seed sends
exactly the same bytes.

Usage: malformed.py --seed N [--only dhcp,dns,dnstcp,tftp,session,http]
       --server IP --giaddr IP --dns-src IP --iface IF --pool FIRST-LAST
       --node NAME=IP --tftp-files NAME,... --http-port N
Debian 12: apt-get install python3-scapy; run it with /usr/bin/python3.
Traffic goes only to --server (and DHCP broadcasts on --iface): the test
runs it inside a network namespace of its own.
"""
import argparse
import errno
import json
import logging
import os
import random
import select
import socket
import struct
import time

logging.getLogger("scapy").setLevel(logging.ERROR)
from scapy.layers.dhcp import BOOTP, DHCP  # noqa: E402
from scapy.layers.dns import DNS, DNSQR, DNSRROPT, EDNS0TLV  # noqa: E402
from scapy.layers.http import HTTP, HTTPRequest  # noqa: E402
from scapy.layers.tftp import (TFTP, TFTP_RRQ, TFTP_WRQ, TFTP_Option,  # noqa: E402
                               TFTP_Options)
from scapy.packet import fuzz  # noqa: E402

BAD_MAX = 20
TCP_AT_ONCE = 32
HALF_CLOSE_TRIES = 20
rng = random.Random()


class Report:
    """What one protocol sent and got back."""

    def __init__(self):
        self.sent = 0
        self.kinds = {}
        self.replies = {}
        self.bad = []
        self.nbad = 0
        self.extra = {}

    def out(self, kind):
        self.sent += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def got(self, what):
        self.replies[what] = self.replies.get(what, 0) + 1

    def wrong(self, kind, sent, reply, why):
        self.nbad += 1
        if len(self.bad) < BAD_MAX:
            self.bad.append({'kind': kind, 'why': why,
                             'sent': sent[:160].hex(),
                             'reply': (reply or b'')[:160].hex()})

    def json(self):
        d = {'sent': self.sent, 'kinds': self.kinds,
             'replies': sum(self.replies.values()),
             'by_reply': self.replies, 'nbad': self.nbad, 'bad': self.bad}
        d.update(self.extra)
        return d


def listen(socks, heard, quiet=0.4, most=3.0):
    """Call heard(s) for each socket with something to read, until nothing
    came for `quiet` seconds (a second reply, too, is heard), at most
    `most` seconds: the daemons answer at once, so this only waits long
    on a slow machine."""
    now = time.monotonic()
    end, last = now + most, now
    while now < end and now - last < quiet:
        rd, _, _ = select.select(list(socks), [], [], 0.05)
        now = time.monotonic()
        if rd:
            last = now
        for s in rd:
            heard(s)


# ---- mutations ----

def truncations(b, lengths=None):
    if lengths is None:
        lengths = range(len(b))
    return [b[:n] for n in sorted(set(lengths)) if 0 <= n < len(b)]


def flipped(b, count, most=3):
    out = []
    for _ in range(count):
        x = bytearray(b)
        for _ in range(rng.randint(1, most)):
            i = rng.randrange(len(x) * 8)
            x[i // 8] ^= 1 << (i % 8)
        out.append(bytes(x))
    return out


def rand_bytes(count, most):
    return [bytes(rng.getrandbits(8) for _ in range(rng.randint(0, most)))
            for _ in range(count)]


def fuzzed(make, count):
    out = []
    for _ in range(count * 3):
        if len(out) == count:
            break
        try:
            out.append(bytes(fuzz(make())))
        except Exception:   # scapy cannot build every random choice
            continue
    return out


# ---- DHCP ----

def mac_of(i):
    return bytes([0x02, 0x00, 0x74, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff])


def dhcp_base(mtype, xid, mac, giaddr, extra=()):
    opts = [('message-type', mtype), ('client_id', b'\x01' + mac),
            ('hostname', b'fuzz'), ('param_req_list', [1, 3, 6, 15, 66, 67])]
    opts += list(extra) + ['end']
    b = bytes(BOOTP(op=1, xid=xid, giaddr=giaddr,
                    chaddr=mac + b'\0' * 10) / DHCP(options=opts))
    return b + b'\0' * max(0, 300 - len(b))   # as real clients pad


def dhcp_with_options(xid, mac, giaddr, raw, op=1, htype=1, hlen=6,
                      cookie=b'c\x82Sc', sname=b'', bfile=b''):
    hdr = struct.pack('>BBBBIHH4s4s4s4s16s64s128s', op, htype, hlen, 0, xid,
                      0, 0, b'\0' * 4, b'\0' * 4, b'\0' * 4,
                      socket.inet_aton(giaddr), mac + b'\0' * 10,
                      sname.ljust(64, b'\0')[:64], bfile.ljust(128, b'\0')[:128])
    return hdr + cookie + raw


def dhcp_cases(a):
    """(kind, bytes, broadcast) for DHCP."""
    g = a.giaddr
    n = [0x7400000]

    def xid():
        n[0] += 1
        return n[0]

    def mac():
        return mac_of(n[0] & 0xffffff)

    cases = []
    disc = dhcp_base('discover', xid(), mac(), g)
    req = dhcp_base('request', xid(), mac(), g,
                    [('requested_addr', a.pool_first), ('server_id', a.server)])
    for base in (disc, req):
        for t in truncations(base, [0, 1, 4, 8, 27, 28, 43, 44, 100, 200, 235,
                                    236, 237, 239, 240, 241, 242, 243,
                                    len(base) - 60, len(base) - 3,
                                    len(base) - 2, len(base) - 1]):
            cases.append(('truncated', t, False))
    d = dhcp_base('discover', xid(), mac(), g)
    for size in (1500, 4096, 4097, 9000, 65000):
        cases.append(('oversized', d + b'\0' * (size - len(d)), False))
    cases.append(('oversized', d + bytes(rng.getrandbits(8) for _ in range(1700)),
                  False))
    # Header fields that say the wrong length or the wrong thing.
    ok53 = b'\x35\x01\x01'
    for op, ht, hl in ((1, 1, 0), (1, 1, 7), (1, 1, 16), (1, 1, 17),
                       (1, 1, 255), (1, 0, 6), (1, 6, 6), (1, 255, 6),
                       (2, 1, 6), (0, 1, 6), (3, 1, 6)):
        x = xid()
        cases.append(('wrong-length', dhcp_with_options(
            x, mac(), g, ok53 + b'\xff', op=op, htype=ht, hlen=hl), False))
    cases.append(('wrong-length', dhcp_with_options(
        xid(), mac(), g, ok53 + b'\xff', cookie=b'\x63\x82\x53\x64'), False))
    # Option lengths that overrun, or are wrong for the option.
    for raw in (b'\x35\x00\xff', b'\x35\x02\x01\x01\xff', b'\x35\xc8\x01',
                b'\x35', b'\x35\x01', ok53 + b'\x32\x03\x0a\x4a\x01\xff',
                ok53 + b'\x36\x05\x0a\x4a\x00\x01\x00\xff',
                ok53 + b'\x39\x02\x00\x64\xff', ok53 + b'\x39\x02\x00\x00\xff',
                ok53 + b'\x39\x01\x05\xff', ok53 + b'\x3d\x00\xff',
                ok53 + b'\x0c\x00\xff', ok53 + b'\x0c\xff' + b'a' * 20,
                ok53 + b'\x51\x02\x00\x00\xff',
                ok53 + b'\x51\x05\x04\x00\x00\xc8ab\xff',
                ok53 + b'\x51\x04\x04\x00\x00\xc0\xff',
                ok53 + b'\x52\x0a\x01\x32' + b'x' * 8 + b'\xff',
                ok53 + b'\x52\x04\x01\x00\x02\x05\xff',
                ok53 + b'\x37\x00\xff', ok53 + b'\x34\x00\xff',
                ok53 + b'\x34\x01\x09\xff', ok53 + b'\x34\x02\x03\x03\xff',
                ok53, b'\xff', b'', b'\x00' * 60,
                ok53 + b'\x0c\x04abc'):
        cases.append(('wrong-length', dhcp_with_options(xid(), mac(), g, raw),
                      False))
    # Option overload (52) with garbage, or another 53, in sname and file.
    cases.append(('bad-option', dhcp_with_options(
        xid(), mac(), g, ok53 + b'\x34\x01\x03\xff',
        sname=b'\x35\x01\x03\xff', bfile=b'\x0c\xf0abc'), False))
    cases.append(('bad-option', dhcp_with_options(
        xid(), mac(), g, ok53 + b'\x34\x01\x01\xff',
        bfile=b'\x35\x01\x08\x0c\x7f' + b'h' * 120), False))
    cases.append(('bad-option', dhcp_with_options(
        xid(), mac(), g, b'\x34\x01\x02\xff', sname=b'\x35\x01\x01' + b'\x00' * 61),
        False))
    for raw in (b'\x35\x01\x00\xff', b'\x35\x01\x09\xff', b'\x35\x01\xff\xff',
                b'\x35\x01\x02\xff', b'\x35\x01\x05\xff',
                b'\x35\x01\x01\x35\x01\x01\xff', b'\x35\x01\x01\x35\x01\x03\xff',
                ok53 + b''.join(bytes([c, 4]) +
                                bytes(rng.getrandbits(8) for _ in range(4))
                                for c in range(224, 255)) + b'\xff',
                ok53 + b'\x2b\x01\x00' * 200 + b'\xff',
                ok53 + b'\x2b\xff' + b'\x01' * 255 + b'\xff',
                ok53 + b'\x0c\x05a\x00b\x01\xff\xff',
                ok53 + b'\x0c\x08\xff\xfe\xc3\x28%n%s\xff'):
        cases.append(('bad-option', dhcp_with_options(xid(), mac(), g, raw),
                      False))
    for r in rand_bytes(40, 700):
        cases.append(('random', r, False))
    for _ in range(40):
        raw = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
        cases.append(('random', dhcp_with_options(xid(), mac(), g, raw), False))
    for base in (dhcp_base('discover', xid(), mac(), g),
                 dhcp_base('request', xid(), mac(), g,
                           [('requested_addr', a.pool_first),
                            ('server_id', a.server)])):
        for f in flipped(base, 60):
            cases.append(('bit-flipped', f, False))
    for f in fuzzed(lambda: BOOTP(op=1, giaddr=g) /
                    DHCP(options=[('message-type', 'discover'), 'end']), 30):
        cases.append(('fuzz', f, False))
    # The direct path: broadcasts from port 68, no relay.
    direct = dhcp_base('discover', xid(), mac(), '0.0.0.0')
    for t in truncations(direct, [0, 10, 236, 240, 243, len(direct) - 1]):
        cases.append(('truncated', t, True))
    for f in flipped(direct, 30):
        cases.append(('bit-flipped', f, True))
    return cases


def dhcp_reply_check(rep, sent_by_xid, a, r):
    """Judge one reply heard on the relay port."""
    if len(r) < 240:
        return 'short reply'
    op, xid = r[0], struct.unpack('>I', r[4:8])[0]
    if op != 2:
        return None     # a request: one of our own, or none of our business
    if xid not in sent_by_xid:
        return 'xid %08x was never sent' % xid
    if r[28:34] not in sent_by_xid[xid]:
        return 'chaddr %s not sent with xid %08x' % (r[28:34].hex(), xid)
    if r[236:240] != b'c\x82Sc':
        return 'no magic cookie'
    mtype, i = None, 240
    while i + 1 < len(r) and r[i] != 255:
        if r[i] == 0:
            i += 1
            continue
        if r[i] == 53 and r[i + 1] == 1 and i + 2 < len(r):
            mtype = r[i + 2]
        i += 2 + r[i + 1]
    if mtype not in (2, 5, 6):
        return 'message type %s' % mtype
    yi = struct.unpack('>I', r[16:20])[0]
    lo, hi = (struct.unpack('>I', socket.inet_aton(x))[0]
              for x in a.pool.split('-'))
    if mtype == 2 and not lo <= yi <= hi:
        return 'OFFER of %s, outside the pool' % socket.inet_ntoa(r[16:20])
    if mtype == 5 and yi and not lo <= yi <= hi:
        return 'ACK of %s, outside the pool' % socket.inet_ntoa(r[16:20])
    return {2: 'OFFER', 5: 'ACK', 6: 'NAK'}[mtype]


def run_dhcp(a):
    rep = Report()
    relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    relay.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    relay.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    relay.bind((a.giaddr, 67))
    bcast = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    bcast.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    bcast.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    bcast.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                     a.iface.encode())
    bcast.bind(('0.0.0.0', 68))
    sent_by_xid = {}
    replies = []

    def drain(wait):
        end = time.monotonic() + wait
        for _ in range(10000):      # what we sent, at most
            left = end - time.monotonic()
            rd, _, _ = select.select([relay], [], [], max(0, left))
            if not rd:
                return
            replies.append(relay.recv(65536))

    for kind, b, broadcast in dhcp_cases(a):
        if len(b) >= 34:
            sent_by_xid.setdefault(struct.unpack('>I', b[4:8])[0],
                                   set()).add(b[28:34])
        try:
            if broadcast:
                bcast.sendto(b, ('255.255.255.255', 67))
            else:
                relay.sendto(b, (a.server, 67))
        except OSError as e:
            rep.extra.setdefault('send_errors', []).append(
                '%s %d bytes: %s' % (kind, len(b), errno.errorcode.get(e.errno)))
            continue
        rep.out(kind + ('/direct' if broadcast else ''))
        drain(0.003 if len(b) < 4096 else 0.03)   # pace: never fill its buffer
    drain(1.5)
    for r in replies:
        what = dhcp_reply_check(rep, sent_by_xid, a, r)
        if what is None:
            continue
        if what in ('OFFER', 'ACK', 'NAK'):
            rep.got(what)
        else:
            rep.got('wrong')
            rep.wrong('dhcp', b'', r, what)
    return rep


# ---- DNS ----

def dns_name(n):
    return b''.join(bytes([len(x)]) + x.encode() for x in n.split('.') if x) + b'\0'


def dns_cases(a):
    node, _ = a.node.split('=')
    q_edns = bytes(DNS(id=0x4d01, rd=1, qd=DNSQR(qname=node, qtype='A'),
                       ar=DNSRROPT(rclass=1232, z=0)))
    q_plain = bytes(DNS(id=0x4d02, rd=0, qd=DNSQR(qname=node, qtype='A')))
    q_soa = bytes(DNS(id=0x4d03, rd=1, qd=DNSQR(qname='lab.test', qtype='SOA'),
                      ar=DNSRROPT(rclass=4096, z=0x8000)))
    cases = []
    for base in (q_edns, q_plain, q_soa):
        for t in truncations(base):
            cases.append(('truncated', t))
    for size in (513, 1300, 4096, 65000):
        cases.append(('oversized', q_edns + b'\0' * (size - len(q_edns))))
    cases.append(('oversized', bytes(DNS(id=0x4d04, qd=DNSQR(qname=node)))
                  + bytes(rng.getrandbits(8) for _ in range(3000))))
    hdr = lambda i, fl=0x0100, qd=1, an=0, ns=0, ar=0: struct.pack(
        '>HHHHHH', i, fl, qd, an, ns, ar)
    qn = dns_name(node)
    q = qn + b'\0\1\0\1'
    opt = lambda rdata=b'', ver=0, size=1232: (b'\0\0\x29' + struct.pack(
        '>HBBHH', size, 0, ver, 0, len(rdata)) + rdata)
    wrong = [
        hdr(1, qd=0) + q, hdr(2, qd=2) + q, hdr(3, qd=65535) + q,
        hdr(4, an=1) + q, hdr(5, ar=2) + q + opt(), hdr(6, ns=1) + q,
        hdr(7) + b'\x3f' + b'a' * 10 + b'\0\0\1\0\1',          # label overruns
        hdr(8) + b'\x40' + b'a' * 64 + b'\0\0\1\0\1',          # 0x40 label type
        hdr(9) + b'\x80abc\0\0\1\0\1',                          # 0x80 label type
        hdr(10) + b'\xc0\x0c\0\1\0\1',                          # pointer to itself
        hdr(11) + b'\xc0\xff\0\1\0\1',                          # past the end
        hdr(12) + b'\x01a\xc0\x0e\0\1\0\1',                     # pointer loop
        hdr(13) + b'\x3fxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' * 5
        + b'\0\0\1\0\1',                                        # name over 255
        hdr(14) + b'\x01a' * 130 + b'\0\0\1\0\1',               # 130 labels
        hdr(15) + qn + b'\0\1',                                 # no class
        hdr(16) + qn,                                           # no type
        hdr(17, ar=1) + q + b'\0\0\x29\x04\xd0\0\0\0\0\0\xff',  # rdlen overruns
        hdr(18, ar=1) + q + opt(b'\0\x0a\0\x30abc'),            # option overruns
        hdr(19, ar=1) + q + b'\0\0\x29',                        # OPT cut
        hdr(20, ar=1) + q + opt(b'\0\x0a\0\x03abc'),            # cookie of 3 bytes
        hdr(21, ar=1) + q + opt(b'\0\x08\0\x02\0\x01'),         # ECS cut
        hdr(22, ar=1) + q + opt(b'\0\x08\0\x08\0\x01\x21\0' + b'\xff' * 4),
    ]
    for w in wrong:
        cases.append(('wrong-length', w))
    bad = [
        hdr(30, ar=1) + q + opt(ver=1),                         # BADVERS
        hdr(31, ar=1) + q + opt(ver=255),
        hdr(32, ar=2) + q + opt() + opt(),                      # two OPTs
        hdr(33, ar=1) + q + b'\x01a\0\0\x29\x04\xd0\0\0\0\0\0\0',  # OPT not at root
        hdr(34, an=1) + q + opt(),                              # OPT as an answer
        hdr(35, ar=1) + q + opt(b''.join(struct.pack('>HH', 65000 + i, 2) + b'zz'
                                         for i in range(100))),
        hdr(36, ar=1) + q + opt(size=0), hdr(37, ar=1) + q + opt(size=65535),
        hdr(38, 0x8100) + q,                                    # a response
        hdr(39, 0x8580) + q,
        hdr(40, 0x0100 | 2 << 11) + q, hdr(41, 0x0100 | 5 << 11) + q,
        hdr(42, 0x0100 | 15 << 11) + q,                         # opcodes
        hdr(43, 0x010f) + q, hdr(44, 0x0140) + q,               # rcode, Z set
        hdr(45) + qn + b'\0\1\0\3', hdr(46) + qn + b'\0\1\0\xff',
        hdr(47) + qn + b'\0\1\0\xfe', hdr(48) + qn + b'\0\1\xff\xff',  # classes
        hdr(49) + qn + b'\0\0\0\1', hdr(50) + qn + b'\0\xfc\0\1',
        hdr(51) + qn + b'\0\xfb\0\1', hdr(52) + qn + b'\0\xff\0\1',
        hdr(53) + qn + b'\xff\xff\0\1', hdr(54) + b'\0\0\1\0\1',  # types, root
        hdr(55) + dns_name('NoDe1.LaB.tEsT') + b'\0\1\0\1',
        hdr(56) + b'\x05n\x00de1\x03lab\x04test\0\0\1\0\1',    # NUL in a label
        hdr(57) + b'\x05n.de1\x03lab\x04test\0\0\1\0\1',        # dot in a label
    ]
    for b in bad:
        cases.append(('bad-option', b))
    for r in rand_bytes(60, 600):
        cases.append(('random', r))
    for base in (q_edns, q_plain, q_soa):
        for f in flipped(base, 50):
            cases.append(('bit-flipped', f))
    for f in fuzzed(lambda: DNS(qd=DNSQR(qname=node)), 30):
        cases.append(('fuzz', f))
    for f in fuzzed(lambda: DNS(rd=1, qd=DNSQR(qname=node),
                                ar=DNSRROPT(rdata=[EDNS0TLV(optcode=10,
                                                            optdata=b'x' * 8)])),
                    20):
        cases.append(('fuzz', f))
    return cases


def dns_qsection(m):
    """(lowercased wire name, type, class) of a message's first question."""
    i, parts = 12, []
    while i < len(m):
        n = m[i]
        if n == 0:
            i += 1
            break
        if n & 0xc0:
            return None
        parts.append(m[i + 1:i + 1 + n].lower())
        i += 1 + n
    if len(m) - i < 4:
        return None
    return b'.'.join(parts), struct.unpack('>HH', m[i:i + 4]), i + 4


def dns_skip_name(m, i):
    """The offset after the name at i (a pointer ends it), or None."""
    for _ in range(128):
        if i >= len(m):
            return None
        n = m[i]
        if n & 0xc0 == 0xc0:
            return i + 2
        if n & 0xc0:
            return None
        if n == 0:
            return i + 1
        i += 1 + n
    return None


def dns_ext_rcode(m):
    """The upper 8 bits of the rcode, from the reply's OPT (0 without)."""
    qd, an, ns, ar = struct.unpack('>HHHH', m[4:12])
    i = 12
    for _ in range(qd):
        i = dns_skip_name(m, i)
        if i is None:
            return 0
        i += 4
    for k in range(an + ns + ar):
        i = dns_skip_name(m, i)
        if i is None or len(m) - i < 10:
            return 0
        t, _, ttl, rdlen = struct.unpack('>HHIH', m[i:i + 10])
        if t == 41 and k >= an + ns:
            return ttl >> 24
        i += 10 + rdlen
    return 0


def dns_judge(q, r, node, node_ip):
    """What a reply to query q is; a string starting 'wrong' if wrong."""
    if len(q) < 12:
        return 'wrong: a reply to %d bytes, no header to answer' % len(q)
    if len(r) < 12:
        return 'wrong: reply shorter than a header'
    if r[:2] != q[:2]:
        return 'wrong: ID %s for %s' % (r[:2].hex(), q[:2].hex())
    if not r[2] & 0x80:
        return 'wrong: QR clear'
    if (r[2] >> 3) & 0xf != (q[2] >> 3) & 0xf:
        return 'wrong: opcode changed'
    if q[2] & 0x80:
        return 'wrong: answered a response'
    rcode = r[3] & 0xf | dns_ext_rcode(r) << 4
    an = struct.unpack('>H', r[6:8])[0]
    if rcode == 0 and an > 0 and struct.unpack('>H', r[4:6])[0] == 1:
        qs = dns_qsection(r)
        if qs and qs[0] == node.encode().lower() and qs[1] == (1, 1):
            # An answer about node1: its address, nothing else.
            if socket.inet_aton(node_ip) not in r[qs[2]:]:
                return 'wrong: %s without %s' % (node, node_ip)
    return {0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN',
            4: 'NOTIMP', 5: 'REFUSED', 16: 'BADVERS'}.get(rcode, 'rcode%d' % rcode) + \
        (' (TC)' if r[2] & 0x02 else '')


def run_dns(a):
    rep = Report()
    node, node_ip = a.node.split('=')
    cases = dns_cases(a)
    chunk = 100
    for at in range(0, len(cases), chunk):
        socks = {}
        for kind, b in cases[at:at + chunk]:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((a.dns_src, 0))
            try:
                s.sendto(b, (a.server, 53))
            except OSError as e:
                rep.extra.setdefault('send_errors', []).append(
                    '%s %d bytes: %s' % (kind, len(b), errno.errorcode.get(e.errno)))
                s.close()
                continue
            rep.out(kind)
            socks[s] = (kind, b, [])
            time.sleep(0.001)
        listen(socks, lambda s: socks[s][2].append(s.recv(70000)))
        for s, (kind, b, got) in socks.items():
            s.close()
            if len(got) > 1:
                rep.wrong(kind, b, got[1], '%d replies to one query' % len(got))
            for r in got[:1]:
                what = dns_judge(b, r, node, node_ip)
                rep.got('wrong' if what.startswith('wrong') else what)
                if what.startswith('wrong'):
                    rep.wrong(kind, b, r, what)
    return rep


def dnstcp_batch(a, rep, conns, node, node_ip):
    """Send each of conns on a connection of its own, read the replies;
    how many connections the server closed."""
    socks = {}
    for kind, frames, data in conns:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((a.dns_src, 0))
        s.settimeout(2)
        try:
            s.connect((a.server, 53))
            s.sendall(data)
            if kind == 'half-close':
                s.shutdown(socket.SHUT_WR)
        except OSError as e:
            rep.wrong(kind, data, b'', 'connect/send: %s' % e)
            s.close()
            continue
        s.setblocking(False)
        rep.out(kind)
        rep.extra['frames'] = rep.extra.get('frames', 0) + len(frames)
        socks[s] = (kind, frames, data, bytearray(), [False])
    # Until nothing came for 0.4 s (the server closes none of them).
    end = time.monotonic() + 2
    quiet = time.monotonic() + 0.4
    while time.monotonic() < min(end, quiet) and socks:
        rd, _, _ = select.select([s for s, v in socks.items() if not v[4][0]],
                                 [], [], 0.05)
        if rd:
            quiet = time.monotonic() + 0.4
        for s in rd:
            try:
                d = s.recv(70000)
            except OSError:
                d = b''
            if d:
                socks[s][3].extend(d)
            else:
                socks[s][4][0] = True
    closed = 0
    for s, (kind, frames, data, buf, eof) in socks.items():
        s.close()
        closed += eof[0]
        msgs, i = [], 0
        while len(buf) - i >= 2:
            n = struct.unpack('>H', buf[i:i + 2])[0]
            if len(buf) - i - 2 < n:
                break
            msgs.append(bytes(buf[i + 2:i + 2 + n]))
            i += 2 + n
        if i != len(buf):
            rep.wrong(kind, data, bytes(buf[i:]), 'a reply cut short')
        if kind == 'half-close':
            # Judged on its own: the count of replies leaves it out.
            ok = len(msgs) == 1 and not dns_judge(
                frames[0], msgs[0], node, node_ip).startswith('wrong')
            for k, n in (('half_close', 1), ('half_close_answered', ok)):
                rep.extra[k] = rep.extra.get(k, 0) + n
            continue
        # Replies come in order; a dropped query has none.
        qs = [q for q in frames if len(q) >= 12 and not q[2] & 0x80]
        for r in msgs:
            match = [q for q in qs if q[:2] == r[:2]]
            what = dns_judge(match[0] if match else frames[0] if frames else b'',
                             r, node, node_ip)
            rep.got('wrong' if what.startswith('wrong') else what)
            if what.startswith('wrong'):
                rep.wrong(kind, data, r, what)
            if match:
                qs.remove(match[0])
    return closed


def run_dnstcp(a):
    """Framed queries over TCP, one connection each: complete messages
    (answered or dropped, as over UDP), and framing that lies."""
    rep = Report()
    node, node_ip = a.node.split('=')
    udp = [c for c in dns_cases(a) if len(c[1]) <= 65535]
    pick = [c for c in udp if c[0] != 'truncated'][::4] + \
        [c for c in udp if c[0] == 'truncated'][::6]
    conns = []      # (sock, kind, frames of queries, bytes, complete)
    for kind, b in pick:
        conns.append((kind, [b], struct.pack('>H', len(b)) + b))
    base = bytes(DNS(id=0x5401, rd=1, qd=DNSQR(qname=node)))
    f = lambda m: struct.pack('>H', len(m)) + m
    conns += [
        ('frame-empty', [b''], b'\0\0'),
        ('frame-short', [], b'\0'),                             # half a length
        ('frame-lies', [], struct.pack('>H', 300) + base),      # claims more
        ('frame-lies', [], struct.pack('>H', 65535) + base * 10),
        ('pipelined', [base, b'\x12\x34\x01', base[:1] + b'\x02' + base[2:]],
         f(base) + f(b'\x12\x34\x01') + f(base[:1] + b'\x02' + base[2:])),
        ('oversized', [b'\xab\xcd' + bytes(65533)], f(b'\xab\xcd' + bytes(65533))),
    ]
    # A whole query, then the client's half-close: still answered (RFC
    # 7766 6.2.4 lets a client close its side first). Whether the server
    # reads the EOF before it wrote the reply is a race: try it 20 times.
    conns += [('half-close', [base], f(base))] * HALF_CLOSE_TRIES
    # At most TCP_AT_ONCE connections at a time: dnsd holds 128 KiB for
    # each (in and out buffers), and the test reads its memory.
    closed = 0
    for at in range(0, len(conns), TCP_AT_ONCE):
        closed += dnstcp_batch(a, rep, conns[at:at + TCP_AT_ONCE], node, node_ip)
    rep.extra['closed_by_server'] = closed
    return rep


# ---- TFTP ----

def tftp_cases(a):
    files = a.tftp_files.split(',')
    rrq = bytes(TFTP() / TFTP_RRQ(filename=files[0].encode(), mode=b'octet'))
    rrq_opts = bytes(TFTP() / TFTP_RRQ(filename=files[0].encode(), mode=b'octet')
                     / TFTP_Options(options=[
                         TFTP_Option(oname=b'blksize', value=b'1428'),
                         TFTP_Option(oname=b'tsize', value=b'0'),
                         TFTP_Option(oname=b'timeout', value=b'2'),
                         TFTP_Option(oname=b'windowsize', value=b'4')]))
    wrq = bytes(TFTP() / TFTP_WRQ(filename=b'upload.bin', mode=b'octet'))
    cases = []
    for base in (rrq, rrq_opts, wrq):
        for t in truncations(base):
            cases.append(('truncated', t))
    name = files[0].encode()
    for size in (513, 1400, 65000):
        cases.append(('oversized', b'\0\1' + name + b'\0octet\0' +
                      b'blksize\0' + b'9' * (size - len(name) - 16) + b'\0'))
    cases.append(('oversized', b'\0\1' + b'a' * 600 + b'\0octet\0'))
    cases.append(('oversized', rrq + bytes(rng.getrandbits(8) for _ in range(900))))
    r = lambda *parts: b'\0\1' + b'\0'.join(parts) + b'\0'
    wrong = [
        b'\0\1' + name, b'\0\1' + name + b'\0', b'\0\1' + name + b'\0octet',
        b'\0\1\0octet\0', b'\0\1\0\0', r(name, b'octet', b'blksize'),
        r(name, b'octet', b'blksize', b'512')[:-1], r(name, b''),
        b'\0\2' + name + b'\0', b'\0\2\0\0',
    ]
    for w in wrong:
        cases.append(('wrong-length', w))
    opts = [
        (b'blksize', b'abc'), (b'blksize', b'0'), (b'blksize', b'7'),
        (b'blksize', b'65465'), (b'blksize', b'9' * 30), (b'blksize', b''),
        (b'blksize', b'-1'), (b'blksize', b' 512'), (b'tsize', b'-1'),
        (b'tsize', b'99999999999999999999999'), (b'timeout', b'0'),
        (b'timeout', b'256'), (b'windowsize', b'0'), (b'windowsize', b'65'),
        (b'windowsize', b'65536'), (b'BLKSIZE', b'1024'), (b'multicast', b''),
        (b'', b'512'), (b'x' * 200, b'y' * 200),
    ]
    for o, v in opts:
        cases.append(('bad-option', r(name, b'octet', o, v)))
    cases.append(('bad-option', r(name, b'octet', *[b'o%d' % i for i in range(80)])))
    cases.append(('bad-option', r(name, b'octet', b'blksize', b'512',
                                  b'blksize', b'1024')))
    for mode in (b'mail', b'NETASCII', b'OcTeT', b'binary', b'', b'octet\x01'):
        cases.append(('bad-option', r(name, mode)))
    for fn in (b'../../../../etc/passwd', b'/etc/passwd', b'%s%n%x',
               b'dir/\x01\x1f\x7f\xff', b'a' * 255, b'.', b'/', b'//',
               name + b'\xff', b'pxelinux.cfg/01-zz-zz-zz-zz-zz-zz',
               b'boot.ipxe?mac=zz', b'grub/grub.cfg-' + b'1' * 100):
        cases.append(('bad-option', r(fn, b'octet')))
    for op in (0, 3, 4, 5, 6, 7, 0xffff):
        cases.append(('bad-option', struct.pack('>H', op) + b'\0\1abc\0'))
    for x in rand_bytes(50, 600):
        cases.append(('random', x))
    for base in (rrq, rrq_opts, wrq):
        for f in flipped(base, 40):
            cases.append(('bit-flipped', f))
    for f in fuzzed(lambda: TFTP() / TFTP_RRQ(filename=name, mode=b'octet'), 20):
        cases.append(('fuzz', f))
    return cases


def netascii(b):
    """A file as tftpd sends it in netascii mode: CR as CR NUL, LF as CR LF."""
    return b.replace(b'\r', b'\r\0').replace(b'\n', b'\r\n')


def tftp_judge(b, r, frm, port69, files):
    """A reply to request b: ('what', wrong-or-None)."""
    if len(r) < 4:
        return 'short', 'reply of %d bytes' % len(r)
    op, code = struct.unpack('>HH', r[:4])
    if frm == port69:
        if op != 5:
            return 'op%d' % op, 'opcode %d from port 69' % op
        if r[-1:] != b'\0':
            return 'ERROR', 'error message without its NUL'
        return 'ERROR %d' % code, None
    # A transfer started: DATA block 1, or an OACK.
    if op == 3:
        if code != 1:
            return 'DATA', 'first block is %d' % code
        data = r[4:]
        forms = list(files.values()) + [netascii(f) for f in files.values()]
        if not any(f[:len(data)] == data and (len(data) == len(f) or
                                              len(data) >= 512)
                   for f in forms):
            return 'DATA', 'DATA 1 is no file of the root'
        return 'DATA', None
    if op == 6:
        parts = r[2:].split(b'\0')
        if parts[-1] != b'' or len(parts) % 2 != 1:
            return 'OACK', 'OACK not NUL-terminated pairs'
        o = dict(zip(parts[:-1:2], parts[1:-1:2]))
        for k, v in o.items():
            if k.lower() not in (b'blksize', b'tsize', b'timeout', b'windowsize'):
                return 'OACK', 'OACK has %r' % k
            if not v.isdigit():
                return 'OACK', 'OACK %r=%r' % (k, v)
            n = int(v)
            lim = {b'blksize': (8, 65464), b'timeout': (1, 255),
                   b'windowsize': (1, 64), b'tsize': (0, 1 << 40)}[k.lower()]
            if not lim[0] <= n <= lim[1]:
                return 'OACK', 'OACK %r=%d out of range' % (k, n)
            if k.lower() == b'tsize' and n not in \
                    [len(x) for x in files.values()] + \
                    [len(netascii(x)) for x in files.values()]:
                return 'OACK', 'OACK tsize %d is no file size' % n
        return 'OACK', None
    if op == 5:
        return 'ERROR %d (transfer)' % code, None
    return 'op%d' % op, 'opcode %d from a transfer' % op


def run_tftp(a):
    rep = Report()
    files = {f: open(os.path.join(a.tftp_root, f), 'rb').read()
             for f in a.tftp_files.split(',')}
    port69 = (a.server, 69)
    cases = tftp_cases(a)
    for at in range(0, len(cases), 100):
        socks = {}
        for kind, b in cases[at:at + 100]:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(('', 0))
            try:
                s.sendto(b, port69)
            except OSError as e:
                rep.extra.setdefault('send_errors', []).append(
                    '%s %d bytes: %s' % (kind, len(b), errno.errorcode.get(e.errno)))
                s.close()
                continue
            rep.out(kind)
            if len(b) < 2:
                rep.extra['short'] = rep.extra.get('short', 0) + 1
            socks[s] = (kind, b, [])
            time.sleep(0.001)
        def heard(s):
            d, frm = s.recvfrom(70000)
            got = socks[s][2]
            if not (got and frm != port69 and frm == got[0][1]):
                got.append((d, frm))    # (not the transfer resending)
        listen(socks, heard)
        for s, (kind, b, got) in socks.items():
            for d, frm in got[:1]:
                what, bad = tftp_judge(b, d, frm, port69, files)
                rep.got('wrong' if bad else what)
                if bad:
                    rep.wrong(kind, b, d, bad)
                if frm != port69 and d[:2] in (b'\0\3', b'\0\6'):
                    # End the transfer we started: the client gives up.
                    s.sendto(b'\0\5\0\0malformed.py\0', frm)
                    rep.extra['aborted'] = rep.extra.get('aborted', 0) + 1
            if len(got) > 1:
                rep.wrong(kind, b, got[1][0], '%d replies' % len(got))
            s.close()
    return rep


def run_session(a):
    """Inside a transfer: malformed packets from the client, and packets
    from a stranger; then the transfer ends with the whole file."""
    rep = Report()
    name = a.tftp_files.split(',')[-1]
    want = open(os.path.join(a.tftp_root, name), 'rb').read()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('', 0))
    s.settimeout(3)
    s.sendto(b'\0\1' + name.encode() + b'\0octet\0', (a.server, 69))
    try:
        d, tid = s.recvfrom(70000)
    except socket.timeout:
        d = b''
    if d[:4] != b'\0\3\0\1':
        rep.wrong('session', b'', d, 'no DATA 1')
        return rep
    got = bytearray(d[4:])
    junk = [b'', b'\0', b'\0\4', b'\0\4\0', b'\0\3\0\1hello', b'\0\1a\0octet\0',
            b'\0\2a\0octet\0', b'\0\6blksize\0' b'8\0', b'\0\x09\0\1',
            b'\xff\xff\xff\xff', b'\0\0\0\0'] + \
        [bytes([0, rng.choice([0, 1, 2, 3, 6, 7, 9, 200])]) +
         bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40)))
         for _ in range(20)]
    for j in junk:
        s.sendto(j, tid)
        rep.out('in-transfer')
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stranger.bind(('', 0))
    stranger.settimeout(2)
    for _ in range(5):
        stranger.sendto(b'\0\4\0\1', tid)
        rep.out('stranger')
    for _ in range(5):
        try:
            r = stranger.recv(1000)
        except socket.timeout:
            break
        if r[:4] == b'\0\5\0\5':
            rep.got('ERROR 5')
        else:
            rep.got('wrong')
            rep.wrong('stranger', b'\0\4\0\1', r, 'not ERROR 5')
    # No answer to the junk: the next thing is DATA 1 again (the timer) or
    # nothing until we ACK.
    block = 1
    for _ in range(200):
        s.sendto(struct.pack('>HH', 4, block), tid)
        if len(d) - 4 < 512:
            break
        for _ in range(20):     # resends and strays, then the block
            try:
                d, frm = s.recvfrom(70000)
            except socket.timeout:
                d, frm = b'', tid
                break
            if frm != tid:
                rep.wrong('session', b'', d, 'a packet from %s' % (frm,))
                continue
            if d[:2] == b'\0\3' and struct.unpack('>H', d[2:4])[0] == block:
                continue    # a resend of the last block
            break
        if d[:2] != b'\0\3' or struct.unpack('>H', d[2:4])[0] != block + 1:
            rep.wrong('session', b'', d, 'not DATA %d' % (block + 1))
            break
        block += 1
        got.extend(d[4:])
    rep.extra['file_whole'] = bytes(got) == want
    rep.extra['file_bytes'] = len(got)
    return rep


# ---- HTTP ----

def http_cases(a):
    files = a.tftp_files.split(',')
    host = a.server.encode()
    req = lambda **k: bytes(HTTP() / HTTPRequest(**k))
    get = req(Method=b'GET', Path=b'/' + files[0].encode(),
              Http_Version=b'HTTP/1.1', Host=host, User_Agent=b'iPXE/1.21.1',
              Connection=b'close')
    # (kind, bytes, complete?, expected status or None)
    cases = [
        ('valid', get, True, 200),
        ('valid', req(Method=b'HEAD', Path=b'/' + files[0].encode(),
                      Http_Version=b'HTTP/1.1', Host=host, Connection=b'close'),
         True, 200),
        ('valid', req(Method=b'GET', Path=b'/no-such-file', Http_Version=b'HTTP/1.1',
                      Host=host, Connection=b'close'), True, 404),
        ('valid', req(Method=b'GET', Path=b'/' + files[0].encode(),
                      Http_Version=b'HTTP/1.1', Host=host, Connection=b'close',
                      Range=b'bytes=5-2'), True, None),
    ]
    for n in (0, 1, 3, 4, 10, len(get) // 2, len(get) - 3, len(get) - 2, len(get) - 1):
        cases.append(('truncated', get[:n], False, None))
    # A whole request, then the client's half-close (shutdown(SHUT_WR)),
    # as a client that has nothing more to send may do: still answered.
    # The server may read the EOF before or after it wrote the reply: a
    # race, so try it 20 times.
    cases += [('half-close', get, 'half', 200)] * HALF_CLOSE_TRIES
    c = b'\r\nConnection: close\r\n\r\n'
    bad = [
        b'GARBAGE\r\n\r\n', b'GET\r\n\r\n', b'GET / HTTP/9.9' + c,
        b'GET / HTTP/1.1\r\nHost' + c, b'GET /' + b'a' * 9000 + b' HTTP/1.1' + c,
        b'GET / HTTP/1.1\r\nX-Big: ' + b'b' * 9000 + c,
        b'GET / HTTP/1.1\r\n' + b''.join(b'X-%d: y\r\n' % i for i in range(400))
        + b'Connection: close\r\n\r\n',
        b'GET / HTTP/1.1\r\nContent-Length: abc' + c,
        b'GET / HTTP/1.1\r\nContent-Length: -1' + c,
        b'GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999' + c,
        b'POST / HTTP/1.1\r\nContent-Length: 5000' + c + b'p' * 5000,
        b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked' + c + b'zz\r\nxx\r\n0\r\n\r\n',
        b'GET /\0/x HTTP/1.1' + c, b'GET http://[::1/ HTTP/1.1' + c,
        b'GET /%zz%00%2e%2e/x HTTP/1.1' + c, b'get / HTTP/1.1' + c,
        b'GET /../../../etc/passwd HTTP/1.1' + c,
        b'GET /' + files[0].encode() + b' HTTP/1.1\r\nRange: bytes=-0' + c,
        b'GET /' + files[0].encode() +
        b' HTTP/1.1\r\nRange: bytes=99999999999999999999999-' + c,
        b'GET /' + files[0].encode() + b' HTTP/1.1\r\nRange: bytes=0-1,2-3,x' + c,
        b'BREW / HTTP/1.1' + c, b'GET / HTTP/1.1\n\n',
        b'\xff\xfe\xfd\r\n\r\n', b'GET  /  HTTP/1.1' + c,
        b'GET / HTTP/1.1\r\n folded: header' + c,
    ]
    for b in bad:
        cases.append(('bad-request', b, True, None))
    for r in rand_bytes(20, 300):
        cases.append(('random', r + b'\r\n\r\n', True, None))
    # A flip may end the headers early or never: whole or not is not
    # known, so nothing is required but a right reply if one comes.
    for f in flipped(get, 40):
        cases.append(('bit-flipped', f, None, None))
    return cases


def run_http(a):
    rep = Report()
    first = a.tftp_files.split(',')[0]
    body = open(os.path.join(a.tftp_root, first), 'rb').read()
    conns = {}
    for kind, b, complete, want in http_cases(a):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect((a.server, a.http_port))
            s.sendall(b)
            if complete is False or complete == 'half':
                s.shutdown(socket.SHUT_WR)
        except OSError as e:
            rep.wrong(kind, b, b'', 'connect/send: %s' % e)
            s.close()
            continue
        s.setblocking(False)
        rep.out(kind)
        conns[s] = (kind, b, complete, want, bytearray(), [False])
    end = time.monotonic() + 3
    while time.monotonic() < end:
        live = [s for s, v in conns.items() if not v[5][0]]
        if not live:
            break
        rd, _, _ = select.select(live, [], [], 0.1)
        for s in rd:
            try:
                d = s.recv(1 << 20)
            except OSError:
                d = b''
            if d:
                conns[s][4].extend(d)
            else:
                conns[s][5][0] = True
    hung = 0
    for s, (kind, b, complete, want, buf, eof) in conns.items():
        s.close()
        head = bytes(buf).split(b'\r\n', 1)[0]
        status = None
        if head.startswith(b'HTTP/1.') and len(head) >= 12 and head[9:12].isdigit():
            status = int(head[9:12])
        if kind == 'half-close':
            # Judged on its own, apart from the malformed cases.
            whole = status == want and bytes(buf).endswith(b'\r\n\r\n' + body)
            for k, n in (('half_close', 1), ('half_close_whole', whole)):
                rep.extra[k] = rep.extra.get(k, 0) + n
            if not whole:
                got = '%s, %d bytes' % (status, len(buf))
                seen = rep.extra.setdefault('half_close_got', {})
                seen[got] = seen.get(got, 0) + 1
            continue
        if not buf:
            rep.got('none')
            if complete:
                rep.wrong(kind, b, b'', 'a whole request got no reply')
            if complete is not None and not eof[0]:
                hung += 1
            continue
        if status is None:
            rep.got('wrong')
            rep.wrong(kind, b, bytes(buf), 'not an HTTP status line')
            continue
        rep.got(str(status))
        if want and status != want:
            rep.wrong(kind, b, bytes(buf), 'status %d, want %d' % (status, want))
        if status == 200 and b.startswith(b'GET /' + first.encode() + b' ') \
                and not bytes(buf).endswith(b'\r\n\r\n' + body):
            rep.wrong(kind, b, bytes(buf), '200 without the whole file')
        # 501: a method it does not know; 505: a version.
        if status >= 500 and status not in (501, 505):
            rep.wrong(kind, b, bytes(buf), 'a server error')
    rep.extra['still_open'] = hung
    return rep


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--only', default='dhcp,dns,dnstcp,tftp,session,http')
    p.add_argument('--server', required=True)
    p.add_argument('--giaddr')
    p.add_argument('--iface')
    p.add_argument('--pool', help='FIRST-LAST of the DHCP dynamic range')
    p.add_argument('--dns-src')
    p.add_argument('--node', help='NAME=IP of a host in the zones')
    p.add_argument('--tftp-root')
    p.add_argument('--tftp-files', help='names under the root (the first '
                   'small, the last over 2 blocks)')
    p.add_argument('--http-port', type=int, default=8080)
    a = p.parse_args()
    if a.pool:
        a.pool_first = a.pool.split('-')[0]
    out = {'seed': a.seed}
    run = {'dhcp': run_dhcp, 'dns': run_dns, 'dnstcp': run_dnstcp,
           'tftp': run_tftp, 'session': run_session, 'http': run_http}
    for what in a.only.split(','):
        # Each protocol's bytes depend on the seed alone, not on what ran
        # before it.
        rng.seed('%d/%s' % (a.seed, what))
        random.seed('%d/%s' % (a.seed, what))    # scapy's fuzz()
        t = time.monotonic()
        out[what] = run[what](a).json()
        out[what]['secs'] = round(time.monotonic() - t, 2)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
