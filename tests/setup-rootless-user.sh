#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Prepares an unprivileged user for the rootless integration tests. Run as root; idempotent.
#   - creates the user (default rcitest, override with RCI_TEST_USER) with a home directory
#   - gives it 65536 subordinate UIDs and GIDs in /etc/subuid and /etc/subgid, in a range that
#     overlaps no other entry (an existing entry for the user is kept)
#   - makes /dev/net/tun usable by everyone (slirp4netns opens it inside the user namespace)
#   - makes sure unprivileged user namespaces are allowed where the sysctls exist
# Prints the user name on stdout (everything else goes to stderr).
set -euo pipefail

user=${RCI_TEST_USER:-rcitest}
count=65536

log() { printf 'setup-rootless-user: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[[ "$user" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "invalid user name \`$user'"

if ! id -u "$user" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/bash --user-group "$user"
	log "created user $user"
fi
home=$(getent passwd "$user" | cut -d: -f6)
if [ -n "$home" ] && [ ! -d "$home" ]; then
	install -d -m 0700 -o "$user" -g "$(id -gn "$user")" "$home"
fi

# First start >= 100000 where [start, start+count) overlaps no range of @file.
free_range_start() {
	local file=$1 start=100000 changed=1 s n
	while [ "$changed" = 1 ]; do
		changed=0
		while IFS=: read -r _ s n; do
			[[ "$s" =~ ^[0-9]+$ && "$n" =~ ^[0-9]+$ ]] || continue
			if [ "$start" -lt $((s + n)) ] && [ "$s" -lt $((start + count)) ]; then
				start=$((s + n))
				changed=1
			fi
		done <"$file"
	done
	echo "$start"
}

# The user's entry, by name or by numeric UID/GID.
has_entry() {
	local file=$1 id=$2
	grep -qE "^(${user}|${id}):[0-9]+:[0-9]+$" "$file"
}

ensure_subids() {
	local file=$1 id=$2 start
	touch "$file"
	chmod 0644 "$file"
	if has_entry "$file" "$id"; then
		return
	fi
	start=$(free_range_start "$file")
	printf '%s:%d:%d\n' "$user" "$start" "$count" >>"$file"
	log "added $user:$start:$count to $file"
}

ensure_subids /etc/subuid "$(id -u "$user")"
ensure_subids /etc/subgid "$(id -g "$user")"

command -v newuidmap >/dev/null 2>&1 || log "warning: newuidmap missing (install uidmap)"

if [ -c /dev/net/tun ]; then
	chmod 0666 /dev/net/tun
else
	log "warning: /dev/net/tun does not exist; slirp4netns will not work"
fi

# Debian kernels before 6.x gate user namespaces with this Debian-specific sysctl.
if [ -e /proc/sys/kernel/unprivileged_userns_clone ] &&
	[ "$(cat /proc/sys/kernel/unprivileged_userns_clone)" != 1 ]; then
	sysctl -qw kernel.unprivileged_userns_clone=1
	log "set kernel.unprivileged_userns_clone=1"
fi
if [ -e /proc/sys/user/max_user_namespaces ] &&
	[ "$(cat /proc/sys/user/max_user_namespaces)" -lt 1000 ]; then
	sysctl -qw user.max_user_namespaces=15000
	log "set user.max_user_namespaces=15000"
fi
# Ubuntu's AppArmor restriction on unprivileged user namespaces.
if [ -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ] &&
	[ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns)" != 0 ]; then
	sysctl -qw kernel.apparmor_restrict_unprivileged_userns=0
	log "set kernel.apparmor_restrict_unprivileged_userns=0"
fi

echo "$user"
