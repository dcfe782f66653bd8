#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Checks that the helper's state is consistent (issue 6), after a storm or a crash and `gc`.
#
# Usage: invariants.sh ROOT LIST_JSON [EXPECTED]
#   ROOT       the infra's root as seen by the caller: "" inside the infra (or the stand-in),
#              /proc/<infra pid>/root from the host
#   LIST_JSON  file holding the output of `rootless-cni-infra list`
#   EXPECTED   optional: the attached set, one "ID/NET" per line, sorted
# Prints one line per violation and exits 1 when there is any:
#   - `list` is the expected set, every entry is ready and has exactly one IP;
#   - the netns files are exactly the listed IDs, each an nsfs mount (a pinned netns);
#   - host-local's reservations and rootless-cni-ipam's leases (the shipped networks' IPAM), per
#     network, are exactly one IP per listed attachment, the one `list` shows, held by that ID;
#   - the result cache holds exactly the listed attachments;
#   - the state records are exactly the listed IDs (no temporary files), and no lock file is
#     left for an ID that has no record.
# shellcheck disable=SC2012 # the names are validated IDs and networks
set -u

root=$1
list=$2
expected=${3:-}
state=$root/run/rootless-cni-infra
cni=$root/var/lib/cni
bad=0

say() {
	echo "invariant: $*"
	bad=1
}

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# ID/NET IFNAME IP per attachment.
jq -r '.[] | "\(.id)/\(.network) \(.ifname) \(.ips | length) \(.ips[0] // "-" | split("/")[0]) \(.phase)"' \
	"$list" | sort >"$tmp/att" || {
	say "list is not a JSON array of attachments: $(head -c 300 "$list")"
	exit 1
}
cut -d' ' -f1 "$tmp/att" >"$tmp/pairs"
cut -d/ -f1 "$tmp/pairs" | sort -u >"$tmp/ids"

if [ -n "$expected" ] && ! cmp -s "$tmp/pairs" "$expected"; then
	say "attached set differs from the expected one: $(diff "$expected" "$tmp/pairs" | grep '^[<>]' | tr '\n' ' ')"
fi
odd=$(awk '$3 != 1 || $5 != "ready" { printf "%s; ", $0 }' "$tmp/att")
[ -z "$odd" ] || say "not exactly one IP, or not ready: $odd"

# Netns files: exactly the IDs, each pinned.
ls -A "$state/netns" 2>/dev/null | sort >"$tmp/netns"
cmp -s "$tmp/netns" "$tmp/ids" ||
	say "netns files $(tr '\n' ' ' <"$tmp/netns")differ from the listed IDs $(tr '\n' ' ' <"$tmp/ids")"
while read -r id; do
	[ "$(stat -f -c %T "$state/netns/$id" 2>/dev/null)" = nsfs ] || say "netns of $id is not pinned"
done <"$tmp/netns"

# host-local: one reservation per attachment, the listed IP, held by the listed ID.
for d in "$cni"/networks/*; do
	[ -d "$d" ] || continue
	net=${d##*/}
	for f in "$d"/*; do
		[ -f "$f" ] || continue
		ip=${f##*/}
		case "$ip" in
		*[!0-9a-f.:]*) continue ;; # lock, last_reserved_ip.N
		esac
		# host-local writes "ID\r\nIFNAME".
		echo "$(head -n 1 "$f" | tr -d '\r')/$net $ip"
	done
done >"$tmp/reserved-hl"
# rootless-cni-ipam: one file per network, "ADDRESS ID IFNAME" per lease.
for f in "$cni"/rootless-cni-ipam/*/leases; do
	[ -f "$f" ] || continue
	net=${f%/leases}
	net=${net##*/}
	awk -v net="$net" 'NR > 1 && $1 != "last" { print $2 "/" net, $1 }' "$f"
done >>"$tmp/reserved-hl"
sort "$tmp/reserved-hl" >"$tmp/reserved"
awk '{ print $1, $4 }' "$tmp/att" | sort >"$tmp/listed-ips"
cmp -s "$tmp/reserved" "$tmp/listed-ips" ||
	say "IP reservations differ from list: $(diff "$tmp/listed-ips" "$tmp/reserved" | grep '^[<>]' | tr '\n' ' ')"

# Result cache: NET-ID-IFNAME per attachment.
ls -A "$cni/results" 2>/dev/null | sort >"$tmp/cache"
awk '{ split($1, a, "/"); print a[2] "-" a[1] "-" $2 }' "$tmp/att" | sort >"$tmp/want-cache"
cmp -s "$tmp/cache" "$tmp/want-cache" ||
	say "result cache differs from list: $(diff "$tmp/want-cache" "$tmp/cache" | grep '^[<>]' | tr '\n' ' ')"

# State records and locks.
ls -A "$state/containers" 2>/dev/null | sort >"$tmp/records"
sed 's/$/.json/' "$tmp/ids" >"$tmp/want-records"
cmp -s "$tmp/records" "$tmp/want-records" ||
	say "state records $(tr '\n' ' ' <"$tmp/records")differ from the listed IDs"
ls -A "$state/locks" 2>/dev/null | sort >"$tmp/locks"
extra=$(comm -23 "$tmp/locks" "$tmp/ids" | tr '\n' ' ')
[ -z "$extra" ] || say "lock files left for IDs without attachments: $extra"

exit "$bad"
