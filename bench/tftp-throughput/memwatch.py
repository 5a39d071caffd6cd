#!/usr/bin/python3
"""Peak memory of every process in one network namespace.

bench/tftp-throughput/run starts this beside each test and stops it with
SIGTERM when the test ends. Every INTERVAL ms it finds the processes whose
network namespace is NETNS (the server's: one process for dnsmasq, atftpd
and racknet-tftpd, one per transfer plus the listener for tftpd-hpa), and
sums their VmRSS and their Pss. A forked child counts the pages it shares
with its parent once more in the VmRSS sum; the Pss sum splits them. At the
end it prints one line:

    PEAK_RSS_KIB PEAK_PSS_KIB PEAK_PROCS SAMPLES OWN_CPU_MS

(the peaks need not come from the same sample; OWN_CPU_MS is this
sampler's user+system time, so the run can tell its share of the core it
shares with the client). It stops by itself after MAX_SECONDS.

usage: memwatch.py NETNS INTERVAL_MS MAX_SECONDS
"""
import os
import signal
import sys
import time


def kib(path, key):
    """The value in kB of KEY in a /proc key-value file, or None."""
    try:
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def ns_pids(ino):
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat("/proc/%s/ns/net" % name).st_ino == ino:
                pids.append(name)
        except OSError:
            continue
    return pids


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: memwatch.py NETNS INTERVAL_MS MAX_SECONDS\n")
        return 2
    ino = os.stat("/run/netns/" + sys.argv[1]).st_ino
    interval = int(sys.argv[2]) / 1000.0
    deadline = time.monotonic() + int(sys.argv[3])
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    peak_rss = peak_pss = peak_n = samples = 0
    while True:         # at least one sample, even with MAX_SECONDS 0
        rss = pss = n = 0
        for pid in ns_pids(ino):
            r = kib("/proc/%s/status" % pid, b"VmRSS:")
            if r is None:       # gone meanwhile, or a kernel thread
                continue
            rss += r
            pss += kib("/proc/%s/smaps_rollup" % pid, b"Pss:") or 0
            n += 1
        samples += 1
        peak_rss = max(peak_rss, rss)
        peak_pss = max(peak_pss, pss)
        peak_n = max(peak_n, n)
        if stop or time.monotonic() >= deadline:
            break
        time.sleep(interval)
    t = os.times()
    print(peak_rss, peak_pss, peak_n, samples,
          int((t.user + t.system) * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
