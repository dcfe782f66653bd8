#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A tiny rootfs for `podman run --rootfs DIR` (shared/PEERS.md): a static busybox with its links,
# iperf3 with the libraries ldd lists, /etc/mtab -> /proc/mounts, empty /etc/hosts,
# /etc/resolv.conf and /etc/hostname, and the directories podman mounts over. Used by
# scripts/bench.sh's throughput rows (podman's side of each pair).
#
# Usage: podman-rootfs.sh DIR   (DIR is created; owned by whoever runs this)
set -eu

dir=${1:?usage: podman-rootfs.sh DIR}
die() {
	echo "podman-rootfs: $*" >&2
	exit 1
}

bb=$(command -v busybox) || die "busybox not found (package busybox-static)"
ip3=$(command -v iperf3) || die "iperf3 not found"
# A dynamic busybox would need its libraries too: only the static one is copied as is.
ldd "$bb" >/dev/null 2>&1 && die "$bb is not static (install busybox-static)"
mkdir -p "$dir/bin" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/run" \
	"$dir/var"
cp "$bb" "$dir/bin/busybox"
for a in sh wget httpd nc ip nslookup true sleep cat; do
	ln -sf busybox "$dir/bin/$a"
done
ln -sf /proc/mounts "$dir/etc/mtab"
: >"$dir/etc/hosts"
: >"$dir/etc/resolv.conf"
: >"$dir/etc/hostname"
cp "$ip3" "$dir/bin/iperf3"
for lib in $(ldd "$ip3" | grep -o '/[^ ]*'); do
	mkdir -p "$dir$(dirname "$lib")"
	cp -L "$lib" "$dir$lib"
done
