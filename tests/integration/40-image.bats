#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The infra as an OCI image (issue 5): the layout `make image` built ($BUILD/image) validates,
# its command runs from its own rootfs, and `rootless-cni-launcher --image` unpacks it into a
# cache keyed by the manifest digest, reuses it, prunes it when the digest changes and refuses
# corrupt layouts. The launcher's end-to-end suite runs with --image too (RCI_TEST_IMAGE=1
# tests/run-integration.sh tests/integration/20-launcher.bats, as `make check` does).

load helpers

L="$BUILD/rootless-cni-launcher"
LAYOUT="$BUILD/image/oci"
ARCHIVE="$BUILD/image/rootless-cni-infra.tar"

setup_file() {
	check_cmds runc slirp4netns newuidmap newgidmap jq sha256sum umoci skopeo unshare chroot
	check_files "$L" "$LAYOUT/index.json" "$ARCHIVE" "$RCI_SRC/image/net.d/default.conflist"
	if [ ! -r /dev/net/tun ] || [ ! -w /dev/net/tun ]; then
		prereq_missing "/dev/net/tun is not read-writable"
	fi
	return 0
}

setup() {
	require_prereqs
	STATE=$(mktemp -d /tmp/rci-i.XXXXXX)
	WORK=$(mktemp -d /tmp/rci-iw.XXXXXX)
	export RCI_DEFAULT_NET_DIR="$RCI_SRC/image/net.d"
	export XDG_CONFIG_HOME="$WORK/config"
}

teardown() {
	"$L" --root "$STATE" stop >/dev/null 2>&1 || true
	# umoci --rootless leaves read-only directories: make them removable.
	chmod -R u+rwX "$WORK" 2>/dev/null || true
	rm -rf "$STATE" "$WORK"
}

launcher() { "$L" --root "$STATE" "$@"; }

blob() { echo "$1/blobs/sha256/${2#sha256:}"; }
manifest_digest() { jq -r '.manifests[0].digest' "$1/index.json"; }

# Fails unless the blob of descriptor JSON $2 in layout $1 has the descriptor's size and digest.
check_blob() {
	local d s f
	d=$(jq -r .digest <<<"$2")
	s=$(jq -r .size <<<"$2")
	f=$(blob "$1" "$d")
	[ -f "$f" ] || fail "blob $d is missing"
	[ "$(stat -c %s "$f")" = "$s" ] || fail "blob $d: $(stat -c %s "$f") bytes, descriptor says $s"
	[ "sha256:$(sha256sum <"$f" | cut -d' ' -f1)" = "$d" ] || fail "blob $d: wrong sha256"
}

@test "image: every blob's digest and size match its descriptor" {
	jq -e '.imageLayoutVersion == "1.0.0"' "$LAYOUT/oci-layout"
	jq -e '.schemaVersion == 2 and (.manifests | length) == 1' "$LAYOUT/index.json"
	mdesc=$(jq -c '.manifests[0]' "$LAYOUT/index.json")
	check_blob "$LAYOUT" "$mdesc"
	m=$(blob "$LAYOUT" "$(jq -r .digest <<<"$mdesc")")
	jq -e '.mediaType == null or .mediaType == "application/vnd.oci.image.manifest.v1+json"' "$m"
	check_blob "$LAYOUT" "$(jq -c .config "$m")"
	n=0
	while read -r l; do
		check_blob "$LAYOUT" "$l"
		n=$((n + 1))
	done < <(jq -c '.layers[]' "$m")
	[ "$n" -ge 1 ]
	# Nothing else lies in blobs/ (umoci gc ran): each file is named by its own digest.
	for f in "$LAYOUT"/blobs/sha256/*; do
		[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ]
	done
	[ "$(find "$LAYOUT/blobs/sha256" -type f | wc -l)" -eq $((n + 2)) ]
	# The config: Env (PATH, CNI_PATH), Cmd, diff_ids per layer, no build-time timestamps.
	c=$(blob "$LAYOUT" "$(jq -r .config.digest "$m")")
	jq -e '.os == "linux" and (.config.Cmd | length) >= 1
		and (.config.Env | any(startswith("PATH=")))
		and (.config.Env | any(. == "CNI_PATH=/usr/lib/cni"))' "$c"
	[ "$(jq '.rootfs.diff_ids | length' "$c")" -eq "$n" ]
	jq -e '.annotations["org.opencontainers.image.version"] and
		.annotations["org.opencontainers.image.revision"] and
		.annotations["org.opencontainers.image.source"]' "$m"
	[ "$(jq -r .created "$c")" = "$(jq -r '.annotations["org.opencontainers.image.created"]' "$m")" ]
}

@test "image: the oci-archive holds the same image, readable by skopeo" {
	skopeo inspect --raw "oci-archive:$ARCHIVE" >"$WORK/manifest.json"
	[ "sha256:$(sha256sum <"$WORK/manifest.json" | cut -d' ' -f1)" = "$(manifest_digest "$LAYOUT")" ]
	run skopeo inspect --config "oci:$LAYOUT:latest"
	[ "$status" -eq 0 ]
	assert_json '.config.Cmd[0] == "/usr/local/bin/rootless-cni-infra-init"'
}

@test "image: the config's Cmd exists in the rootfs and runs, with the helper, plugins, iptables, dnsmasq" {
	# An independent unpacker: umoci, rootless.
	umoci unpack --rootless --image "$LAYOUT:latest" "$WORK/bundle" >/dev/null
	r=$WORK/bundle/rootfs
	c=$(blob "$LAYOUT" "$(jq -r .config.digest "$(blob "$LAYOUT" "$(manifest_digest "$LAYOUT")")")")
	cmd=$(jq -r '.config.Cmd[0]' "$c")
	[ -x "$r$cmd" ]
	[ -x "$r/usr/local/bin/rootless-cni-infra" ]
	# Everything runs from the image's own libraries: a chroot has nothing of the host's.
	# shellcheck disable=SC2016 # the script takes its arguments as $1, $2
	run unshare -r -m sh -euc '
		r=$1
		mount -t tmpfs tmpfs "$r/run"
		mount -t tmpfs tmpfs "$r/dev"
		touch "$r/dev/null" "$r/dev/urandom"
		mount --bind /dev/null "$r/dev/null"
		mount --bind /dev/urandom "$r/dev/urandom"
		mount --rbind /proc "$r/proc"
		chroot "$r" /usr/local/bin/rootless-cni-infra version
		chroot "$r" iptables --version
		chroot "$r" ip6tables-save --version
		chroot "$r" dnsmasq --version | head -n 1
		for p in bridge host-local portmap firewall tuning loopback dnsname \
			rootless-cni-dns rootless-cni-ipam; do
			echo "{\"cniVersion\":\"1.0.0\"}" |
				CNI_COMMAND=VERSION chroot "$r" "/usr/lib/cni/$p" >/dev/null
		done
		# The command: it writes its pid file, then a TERM releases everything (nothing
		# here) and it exits 0.
		chroot "$r" "$2" &
		pid=$!
		i=0
		while [ ! -s "$r/run/rootless-cni-infra/infra.pid" ]; do
			i=$((i + 1)); [ "$i" -lt 100 ] || exit 9; sleep 0.05
		done
		kill -TERM "$pid"
		wait "$pid"
		echo "cmd exited $?"
	' sh "$r" "$cmd"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"version":'* ]]
	[[ "$output" == *"(nf_tables)"* ]]
	[[ "$output" == *"Dnsmasq version"* ]]
	[[ "$output" == *"cmd exited 0"* ]]
}

@test "image: the launcher loads libarchive only to read layers (issue 12)" {
	# Linked, libarchive's libraries (libxml2, ICU, libstdc++...) loaded on every command.
	run readelf -d "$L"
	assert_status 0
	[[ "$output" != *libarchive* ]] || fail "the launcher links libarchive: $output"
	# Still there when a layer is read: the unpack of the next tests, and its name here.
	grep -q "libarchive.so" "$L" || fail "no libarchive soname in $L"
}

@test "image: launcher --image unpacks once per manifest digest, reuses, prunes on change" {
	d=$(manifest_digest "$LAYOUT")
	launcher --image "$LAYOUT" start
	run launcher status
	assert_json --json "$output" ".image == \"$d\""
	pid=$(jq .pid <<<"$output")
	# The infra's root is the cache entry: the image's helper, not a bind of the host's.
	[ "$(ls -A "$STATE/image-cache")" = "$(printf '%s\n' "${d#sha256:}" lock)" ]
	[ -x "/proc/$pid/root/usr/lib/cni/dnsname" ]
	[ ! -e "/proc/$pid/root/usr/local/lib/cni/bridge" ]
	ino=$(stat -c %i "$STATE/image-cache/${d#sha256:}/rootfs")
	launcher stop
	# Reused while the digest is unchanged.
	launcher --image "$LAYOUT" --debug start 2>"$WORK/debug"
	grep -q "cached in" "$WORK/debug"
	[ "$(stat -c %i "$STATE/image-cache/${d#sha256:}/rootfs")" = "$ino" ]
	launcher stop
	# A new manifest (same layers, a new label): a new entry, the old one pruned at start.
	cp -a "$LAYOUT" "$WORK/oci2"
	umoci config --no-history --image "$WORK/oci2:latest" --config.label test=40-image
	d2=$(manifest_digest "$WORK/oci2")
	[ "$d2" != "$d" ]
	launcher --image "$WORK/oci2" alloc c1 default >"$WORK/c1.json"
	jq -e '.result.ips | length == 1' "$WORK/c1.json"
	[ "$(ls -A "$STATE/image-cache")" = "$(printf '%s\n' "${d2#sha256:}" lock)" ]
	launcher dealloc c1 default
	run launcher status
	assert_json '.running == false'
	# Imageless again: the cache goes entirely.
	launcher start
	[ "$(ls -A "$STATE/image-cache")" = lock ]
	launcher stop
}

@test "image: a corrupt layer is refused before anything starts" {
	cp -a "$LAYOUT" "$WORK/bad"
	chmod -R u+w "$WORK/bad"
	m=$(blob "$WORK/bad" "$(manifest_digest "$WORK/bad")")
	layer=$(blob "$WORK/bad" "$(jq -r '.layers[0].digest' "$m")")
	# Same size, one byte changed near the end (in the gzip data or its trailer).
	size=$(stat -c %s "$layer")
	printf 'X' | dd of="$layer" bs=1 seek=$((size - 100)) conv=notrunc status=none
	run --separate-stderr launcher --image "$WORK/bad" start
	[ "$status" -eq 1 ]
	assert_one_stderr_line
	assert_stderr_contains "does not match its descriptor"
	# No entry, no temporary directory, no infra.
	[ "$(ls -A "$STATE/image-cache")" = lock ]
	run launcher status
	assert_json '.running == false and .leftovers == false'
}

@test "image: what is not a usable layout is bad input" {
	run --separate-stderr launcher --image "$WORK/nowhere" start
	[ "$status" -eq 3 ]
	assert_stderr_contains "open the image layout"
	mkdir "$WORK/empty"
	run --separate-stderr launcher --image "$WORK/empty" alloc c1 default
	[ "$status" -eq 2 ]
	assert_one_stderr_line
	assert_stderr_contains "is not an OCI image layout (no \`oci-layout\` file)"
	run launcher status
	assert_json '.running == false'
}

# Writes the file $2 into layout $1 as a blob; prints its descriptor's "digest size".
put_blob() {
	local d
	d=$(sha256sum <"$2" | cut -d' ' -f1)
	mv "$2" "$1/blobs/sha256/$d"
	echo "sha256:$d $(stat -c %s "$1/blobs/sha256/$d")"
}

# An OCI layout at $1 of one uncompressed layer: the tree $2 (the image's Cmd: its helper).
make_layout() {
	local out=$1 src=$2 ld ls cd cs md ms
	mkdir -p "$out/blobs/sha256"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
	tar --numeric-owner --owner=0 --group=0 -C "$src" -cf "$out/layer" .
	read -r ld ls < <(put_blob "$out" "$out/layer")
	jq -cn --arg d "$ld" '{architecture: "amd64", os: "linux",
		config: {Cmd: ["/usr/local/bin/rootless-cni-infra"]},
		rootfs: {type: "layers", diff_ids: [$d]}}' >"$out/config"
	read -r cd cs < <(put_blob "$out" "$out/config")
	jq -cn --arg ld "$ld" --argjson ls "$ls" --arg cd "$cd" --argjson cs "$cs" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $ld,
			size: $ls}]}' >"$out/manifest"
	read -r md ms < <(put_blob "$out" "$out/manifest")
	jq -cn --arg md "$md" --argjson ms "$ms" '{schemaVersion: 2, manifests: [{
		mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md,
		size: $ms}]}' >"$out/index.json"
}

# Issue 13, bug 4: the launcher created the image's mount points by path (mkdir -p), following
# the image's own symlinks out of its cache entry: `etc -> $HOME/x` made it write $HOME/x/cni.
@test "image: mount points never follow the image's symlinks out of its cache entry" {
	mkdir -p "$WORK/src/usr/local/bin" "$WORK/outside" "$WORK/plugins"
	printf '#!/bin/sh\n' >"$WORK/src/usr/local/bin/rootless-cni-infra"
	chmod 755 "$WORK/src/usr/local/bin/rootless-cni-infra"
	# An absolute symlink on the way to /etc/cni/net.d.
	ln -s "$WORK/outside" "$WORK/src/etc"
	make_layout "$WORK/abs" "$WORK/src"
	run --separate-stderr launcher --image "$WORK/abs" start
	[ "$status" -eq 1 ]
	assert_one_stderr_line
	assert_stderr_contains "component \`etc\` is not a directory (a symlink is refused)"
	[ -z "$(ls -A "$WORK/outside")" ]
	d=$(manifest_digest "$WORK/abs")
	[ "$(ls -A "$STATE/image-cache")" = "$(printf '%s\n' "${d#sha256:}" lock)" ]
	run launcher status
	assert_json '.running == false and .leftovers == false'

	# A relative one on the way to /usr/local/lib/cni (a --cni-plugin-dir mount point): from
	# <cache>/<hex>/rootfs/usr/local, ../../../.. is the cache itself.
	rm "$WORK/src/etc"
	mkdir -p "$WORK/src/etc/cni/net.d" "$WORK/src/usr/local"
	ln -s ../../../.. "$WORK/src/usr/local/lib"
	make_layout "$WORK/rel" "$WORK/src"
	run --separate-stderr launcher --image "$WORK/rel" --cni-plugin-dir "$WORK/plugins" start
	[ "$status" -eq 1 ]
	assert_one_stderr_line
	assert_stderr_contains "component \`usr/local/lib\` is not a directory (a symlink is refused)"
	d=$(manifest_digest "$WORK/rel")
	[ "$(ls -A "$STATE/image-cache")" = "$(printf '%s\n' "${d#sha256:}" lock)" ]
	[ -z "$(ls -A "$WORK/outside")" ]
	run launcher status
	assert_json '.running == false and .leftovers == false'
}
