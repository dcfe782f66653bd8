#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Installs every Debian 12 package that building, testing, the demo and the benchmarks need.
# Idempotent: installs only what is missing, runs `apt-get update` only when a package is unknown
# to apt or the package lists are empty. As root it runs apt-get itself; otherwise through sudo when
# available, else it prints the command to run and exits 1.
#
# Usage: scripts/install-deps.sh [--dry-run]   (--dry-run: print what is missing, change nothing)
set -euo pipefail

# One package per line, grouped by what needs it.
PACKAGES=(
	# build
	gcc make pkg-config libjson-c-dev libcap-dev git
	# lint and formatting (make lint, make fmt)
	clang clang-format clang-tidy shellcheck
	# unit tests and checks
	libcmocka-dev valgrind
	# run time: the infra container and its network
	containernetworking-plugins runc crun slirp4netns uidmap iptables iproute2 dnsmasq-base
	golang-github-containernetworking-plugin-dnsname
	# the OCI image: the launcher reads layers with libarchive and hashes blobs with nettle;
	# make image builds it with umoci, its tests read it with skopeo
	libarchive-dev nettle-dev umoci skopeo binutils
	# integration tests, demo and benchmarks
	bats jq curl procps util-linux psmisc iputils-ping netcat-openbsd python3 ca-certificates
	# the peers measured side by side and the engines tested with (podman 4 rootless with
	# netavark or CNI, pasta), throughput (iperf3), a tiny rootfs for containers (busybox-static)
	podman netavark aardvark-dns passt iperf3 busybox-static
	# man pages (go-md2man) and completion (bash-completion)
	go-md2man man-db bash-completion
)

dry_run=0
case "${1:-}" in
--dry-run) dry_run=1 ;;
"") ;;
*)
	echo "usage: $0 [--dry-run]" >&2
	exit 2
	;;
esac

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: apt-get/dpkg not found; this script supports Debian 12 (bookworm) only" >&2
	echo "install these packages by other means: ${PACKAGES[*]}" >&2
	exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi
echo "install-deps: missing: ${missing[*]}"
if [ "$dry_run" = 1 ]; then
	exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	else
		echo "install-deps: not root and no sudo; as root, run:" >&2
		echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
fi

# Update the lists only when needed: they are empty, or apt does not know one of the packages.
need_update=0
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
	need_update=1
else
	for pkg in "${missing[@]}"; do
		if ! apt-cache show --no-all-versions "$pkg" >/dev/null 2>&1; then
			need_update=1
			break
		fi
	done
fi
if [ "$need_update" = 1 ]; then
	"${SUDO[@]}" apt-get update
fi

"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
