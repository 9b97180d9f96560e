#!/usr/bin/env bash
# Installs what the real-boot tests (test/boot) need on Debian 12, as root, idempotently: qemu, busybox-static,
# mmdebstrap (the Debian guest's root file system), openssh-client (the guest's sshd is tried with a key), and a
# Debian kernel image, unpacked into $SYSMASTER_BOOT_CACHE (default /var/cache/sysmaster-boot): vmlinuz, and its
# modules under kernel/lib/modules (the Debian guest's initramfs and root take the few they need).
# The kernel package is picked at run time: the newest linux-image-<version>-amd64 (not cloud, rt or dbg).
set -euo pipefail
cache=${SYSMASTER_BOOT_CACHE:-/var/cache/sysmaster-boot}
export DEBIAN_FRONTEND=noninteractive

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx poweroff || need+=(busybox-static)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v modprobe >/dev/null || need+=(kmod)
command -v xz >/dev/null || need+=(xz-utils) # the disk boot decompresses the modules it loads with busybox's insmod
if [ ${#need[@]} -gt 0 ] || [ ! -e "$cache/vmlinuz" ] || [ ! -d "$cache/kernel/lib/modules" ]; then
  apt-get update -qq
fi
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -e "$cache/vmlinuz" ] || [ ! -d "$cache/kernel/lib/modules" ]; then
  pkg=$(apt-cache search --names-only '^linux-image-[0-9][^ ]*-amd64$' | awk '{print $1}' |
        grep -Ev -- '-(cloud|rt)-amd64$|dbg|unsigned' | sort -V | tail -1)
  [ -n "$pkg" ] || { echo "boot-deps: no linux-image-*-amd64 package found" >&2; exit 1; }
  mkdir -p "$cache"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq "$pkg")
  rm -rf "$cache/kernel"
  mkdir -p "$cache/kernel"
  dpkg-deb -x "$tmp"/*.deb "$cache/kernel"
  cp "$cache"/kernel/boot/vmlinuz-* "$cache/vmlinuz"
  echo "$pkg" > "$cache/kernel-package"
  rm -rf "$tmp"
fi
echo "$cache/vmlinuz ($(cat "$cache/kernel-package" 2>/dev/null))"
