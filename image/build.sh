#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Builds the infra container as an OCI image layout and an oci-archive tarball, without a
# container daemon: image/rootfs.sh assembles the tree from the build and the host's Debian
# packages (only what the helper and the plugins need), then umoci turns it into a one-layer
# image with Env, Cmd, labels and OCI annotations (version, revision, source, created).
#
# Usage: image/build.sh BUILD_DIR OUT_DIR
#   BUILD_DIR holds rootless-cni-infra, rootless-cni-infra-init, cni/rootless-cni-dns and
#   cni/rootless-cni-ipam (make's $(BUILD)).
#   OUT_DIR receives oci/ (the layout, tag `latest`) and rootless-cni-infra.tar (the same
#   layout as an oci-archive); the tree is assembled in OUT_DIR/rootfs, removed at the end.
#
# Reproducible: the same inputs give the same manifest digest. Every mtime is SOURCE_DATE_EPOCH
# (default: the last commit's time, else 0), owners are 0:0 whoever builds, umoci walks the tree
# in sorted order, and the config's `created` and the one history entry use SOURCE_DATE_EPOCH.
# The archive is written by GNU tar with sorted names and fixed metadata, so it is reproducible
# as well.
#
# Env: RCI_CNI_PLUGIN_SRC  where the CNI plugins come from (default /usr/lib/cni)
#      RCI_IMAGE_SOURCE    org.opencontainers.image.source annotation
#      SOURCE_DATE_EPOCH   see above
set -euo pipefail

die() {
	echo "image/build.sh: $*" >&2
	exit 1
}

[ "$#" -eq 2 ] || die "usage: image/build.sh BUILD_DIR OUT_DIR"
build=$(cd "$1" && pwd) || die "no build dir \`$1'"
mkdir -p "$2"
out=$(cd "$2" && pwd)
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

command -v umoci >/dev/null 2>&1 || die "umoci not found (scripts/install-deps.sh installs it)"

version=$(cat "$src/VERSION" 2>/dev/null || echo 0.1.0)
revision=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo unknown)
if [ "$revision" != unknown ] && [ -n "$(git -C "$src" status --porcelain -- helper infra image 2>/dev/null)" ]; then
	revision=$revision-dirty
fi
source_url=${RCI_IMAGE_SOURCE:-$(git -C "$src" remote get-url origin 2>/dev/null ||
	echo https://github.com/rootless-containers/rootless-cni-infra)}
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH=$epoch
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

root=$out/rootfs
rm -rf "$out/oci" "$out/rootless-cni-infra.tar"
"$src/image/rootfs.sh" "$build" "$root"

# --- the layout -------------------------------------------------------------------------------

oci=$out/oci
tag=latest
umoci init --layout "$oci"
umoci new --image "$oci:$tag"
# --rootless with explicit maps: whoever builds (root, a user), the files are 0:0 in the layer.
# One history entry with fixed values: tools expect one per layer.
umoci --log error insert --rootless --uid-map "0:$(id -u):1" --gid-map "0:$(id -g):1" \
	--history.created "$created" --history.created_by "image/build.sh" \
	--history.comment "rootless-cni-infra $version" --image "$oci:$tag" "$root" /
cfg=(--no-history --image "$oci:$tag" --created "$created" --author rootless-cni-infra
	--architecture "$(dpkg --print-architecture 2>/dev/null || echo amd64)" --os linux
	--config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	--config.env CNI_PATH=/usr/lib/cni
	--config.cmd /usr/local/bin/rootless-cni-infra-init
	--config.workingdir /
	--config.stopsignal SIGTERM)
for kv in "version=$version" "revision=$revision" "source=$source_url" "created=$created" \
	"title=rootless-cni-infra" "licenses=GPL-2.0-or-later" \
	"description=Infra container giving rootless containers real CNI networks"; do
	cfg+=(--manifest.annotation "org.opencontainers.image.$kv" --config.label "org.opencontainers.image.$kv")
done
umoci config "${cfg[@]}"
umoci gc --layout "$oci"
rm -rf "$root"
# Fixed metadata for the layout's own files too (umoci makes index.json 0600): readable by
# anyone who runs it, and the archive below is reproducible.
find "$oci" -type d -exec chmod 0755 {} +
find "$oci" -type f -exec chmod 0644 {} +
find "$oci" -exec touch -h -d "@$epoch" {} +

# oci-archive is a tar of the layout (what skopeo and podman read as `oci-archive:`).
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=posix \
	--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	-C "$oci" -cf "$out/rootless-cni-infra.tar" .

manifest=$(jq -r '.manifests[0].digest' "$oci/index.json")
size=$(du -sk --apparent-size "$oci/blobs" | cut -f1)
echo "image: $oci:$tag manifest $manifest, ${size} KiB of blobs; archive $out/rootless-cni-infra.tar"
