#!/usr/bin/env bash
# Builds the sandbox test image offline (no image registry needed): a minimal Debian bookworm
# with python3, pytest, git and procps, made by debootstrap and loaded with `docker import`.
# Skips the build when the image already exists. Needs root, docker and debootstrap.
#
#   bash scripts/build-image.sh [IMAGE]        # default: sparkwright-sandbox:bookworm
set -euo pipefail

IMAGE="${1:-${SPARKWRIGHT_SANDBOX_IMAGE:-sparkwright-sandbox:bookworm}}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PACKAGES="python3,python3-pytest,git,procps,ca-certificates"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    echo "build-image: $IMAGE already exists, nothing to do"
    exit 0
fi
command -v debootstrap >/dev/null || {
    echo "build-image: debootstrap is missing: apt-get install -y debootstrap" >&2
    exit 1
}

ROOTFS="$(mktemp -d /tmp/sparkwright-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT

echo "build-image: debootstrap bookworm into $ROOTFS (about a minute)"
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 || {
    tail -n 40 "$ROOTFS.log" >&2
    echo "build-image: debootstrap failed (full log: $ROOTFS.log)" >&2
    exit 1
}
rm -f "$ROOTFS.log"
# Keep the image small: package caches and docs are not needed to run tests.
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/*

echo "build-image: importing as $IMAGE"
tar -C "$ROOTFS" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    - "$IMAGE" >/dev/null
echo "build-image: built $IMAGE"
