#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Assembles the infra image's root file system from a build and the host's Debian packages:
# only what the helper and the plugins need, not a distribution. image/build.sh packs it into
# an OCI layout; image/Containerfile copies it into a `FROM scratch` image.
#
# Usage: image/rootfs.sh BUILD_DIR ROOTFS_DIR  (ROOTFS_DIR is replaced)
#   BUILD_DIR holds rootless-cni-infra, rootless-cni-infra-init, cni/rootless-cni-dns and
#   cni/rootless-cni-ipam (make's $(BUILD)).
#
# Contents: the helper and the init in /usr/local/bin, the CNI plugins in /usr/lib/cni (ours,
# rootless-cni-dns and rootless-cni-ipam, among them), iptables (nft backend, all xtables extensions: they are
# dlopen()ed by name), dnsmasq (for rootless-cni-dns and dnsname), their shared libraries (the NEEDED closure), a few /etc files, the default network
# in /etc/cni/net.d and the mount points of the infra container. Every mtime is
# SOURCE_DATE_EPOCH (default: the last commit's time, else 0) and modes are normalised, so the
# same inputs give the same tree.
#
# Env: RCI_CNI_PLUGIN_SRC  where the CNI plugins come from (default /usr/lib/cni)
#      SOURCE_DATE_EPOCH   see above
set -euo pipefail

die() {
	echo "image/rootfs.sh: $*" >&2
	exit 1
}

[ "$#" -eq 2 ] || die "usage: image/rootfs.sh BUILD_DIR ROOTFS_DIR"
build=$(cd "$1" && pwd) || die "no build dir \`$1'"
root=$2
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || echo 0)}

plugin_src=${RCI_CNI_PLUGIN_SRC:-/usr/lib/cni}
# The shipped networks use bridge, portmap and ours; the rest serve networks users write
# (podman's CNI networks name host-local, firewall, tuning and dnsname).
plugins=(bridge host-local portmap firewall tuning loopback dnsname)

for f in rootless-cni-infra rootless-cni-infra-init cni/rootless-cni-dns cni/rootless-cni-ipam; do
	[ -x "$build/$f" ] || die "\`$build/$f' is missing (run make first)"
done
for p in "${plugins[@]}"; do
	[ -x "$plugin_src/$p" ] || die "CNI plugin \`$plugin_src/$p' is missing (install containernetworking-plugins and golang-github-containernetworking-plugin-dnsname)"
done
xtables_multi=/usr/sbin/xtables-nft-multi
dnsmasq=/usr/sbin/dnsmasq
[ -x "$xtables_multi" ] || die "\`$xtables_multi' is missing (install iptables)"
[ -x "$dnsmasq" ] || die "\`$dnsmasq' is missing (install dnsmasq-base)"

case "$root" in "" | / | /usr | /usr/*) die "refusing to replace \`$root'" ;; esac
rm -rf "$root"
mkdir -p "$root"
root=$(cd "$root" && pwd)

# --- the tree ---------------------------------------------------------------------------------

# Merged /usr, as Debian 12: the top-level dirs are symlinks.
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64"
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
# Mount points of the infra container (the root is read-only), and the default network's home.
mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp" "$root/root" \
	"$root/var/lib/cni" "$root/etc/cni/net.d" "$root/usr/local/bin" "$root/usr/local/lib/cni" \
	"$root/usr/lib/cni"
ln -s ../run "$root/var/run"

install -m 0755 "$build/rootless-cni-infra" "$build/rootless-cni-infra-init" "$root/usr/local/bin/"
for p in "${plugins[@]}"; do
	install -m 0755 "$plugin_src/$p" "$root/usr/lib/cni/"
done
install -m 0755 "$build/cni/rootless-cni-dns" "$build/cni/rootless-cni-ipam" "$root/usr/lib/cni/"

# iptables (nft backend) as Debian's alternatives would pick it, without the alternatives.
install -m 0755 "$xtables_multi" "$root/usr/sbin/"
for n in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore \
	iptables-nft iptables-nft-save iptables-nft-restore ip6tables-nft ip6tables-nft-save \
	ip6tables-nft-restore; do
	ln -s xtables-nft-multi "$root/usr/sbin/$n"
done
install -m 0755 "$dnsmasq" "$root/usr/sbin/"

# The xtables extensions are dlopen()ed by name (-j MASQUERADE, -m comment...): ldd cannot see
# them, so all of them come along (2 MB).
xtlib=$(ldd "$xtables_multi" | awk '$1 ~ /^libxtables\.so/ { print $3 }')
xtdir=$(dirname "$(readlink -f "$xtlib")")/xtables
[ -d "$xtdir" ] || die "no xtables extensions in \`$xtdir'"
mkdir -p "$root/usr/lib/$(basename "$(dirname "$xtdir")")/xtables"
cp "$xtdir"/*.so "$root/usr/lib/$(basename "$(dirname "$xtdir")")/xtables/"

# Shared libraries: the NEEDED closure of every ELF file in the tree, resolved through the
# dynamic linker's cache to this architecture's multiarch dir, each copied (through symlinks) to
# its /usr path under the name the loader asks for. One objdump per round, not one ldd per file:
# ldd costs a process per file, seconds for the 120 xtables modules.
multiarch=$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH)
ldcache=$(ldconfig -p)
usr_path() {
	case "$1" in
	/usr/*) echo "$root$1" ;;
	*) echo "$root/usr$1" ;;
	esac
}
copy_lib() {
	local dest
	dest=$(usr_path "$1")
	mkdir -p "$(dirname "$dest")"
	cp -L "$1" "$dest"
	chmod 0755 "$dest"
}
mapfile -t todo < <(find "$root/usr" -type f \( -perm -u+x -o -name '*.so' \) | sort)
declare -A have=()
while [ "${#todo[@]}" -gt 0 ]; do
	mapfile -t needed < <(objdump -p "${todo[@]}" | awk '$1 == "NEEDED" { print $2 }' | sort -u)
	todo=()
	for soname in "${needed[@]}"; do
		[ -n "${have[$soname]:-}" ] && continue
		path=$(awk -v so="$soname" -v ma="/$multiarch/" \
			'$1 == so && index($NF, ma) { print $NF; exit }' <<<"$ldcache")
		[ -n "$path" ] || die "shared library \`$soname' not found in the linker cache"
		have[$soname]=$path
		copy_lib "$path"
		todo+=("$(usr_path "$path")")
	done
done
# The loader at the path binaries name (/lib64/...): a link to the copy libc needs, as Debian.
interp=$(ldd "$build/rootless-cni-infra" | awk '$1 ~ /^\// && $2 ~ /^\(/ { print $1 }')
[ -n "$interp" ] || die "no dynamic loader found for \`$build/rootless-cni-infra'"
interp_dest=$(usr_path "$interp")
if [ -e "$root/usr/lib/$multiarch/$(basename "$interp")" ]; then
	mkdir -p "$(dirname "$interp_dest")"
	ln -sfn "$(realpath -m --relative-to="$(dirname "$interp_dest")" \
		"$root/usr/lib/$multiarch/$(basename "$interp")")" "$interp_dest"
else
	copy_lib "$interp"
fi

# /etc: accounts (dnsmasq switches to `dnsmasq` or `nobody`), name service, protocol tables
# (iptables resolves `-p tcp`), and DNS through slirp4netns' built-in forwarder.
printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' \
	'dnsmasq:x:100:65534:dnsmasq:/nonexistent:/usr/sbin/nologin' \
	'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' 'protocols: files' \
	'services: files' >"$root/etc/nsswitch.conf"
printf '%s\n' '127.0.0.1 localhost' '::1 localhost ip6-localhost ip6-loopback' >"$root/etc/hosts"
printf '%s\n' 'nameserver 10.0.2.3' >"$root/etc/resolv.conf"
for f in protocols services ethertypes; do
	[ -f "/etc/$f" ] && cp "/etc/$f" "$root/etc/$f"
done
install -m 0644 "$src"/image/net.d/* "$root/etc/cni/net.d/"

# --- normalise --------------------------------------------------------------------------------

find "$root" -type d -exec chmod 0755 {} +
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
find "$root" -type f -path '*/etc/*' -exec chmod 0644 {} +
find "$root" -exec touch -h -d "@$epoch" {} +

