#!/usr/bin/env bash
# Installs what the real-boot test (test/boot) needs on Debian 12, as root, idempotently: qemu, busybox-static
# and a Debian kernel image, unpacked into $SYSMASTER_BOOT_CACHE (default /var/cache/sysmaster-boot) as vmlinuz,
# with a few of its modules.
# The kernel package is picked at run time: the newest linux-image-<version>-amd64 (not cloud, rt or dbg).
set -euo pipefail
cache=${SYSMASTER_BOOT_CACHE:-/var/cache/sysmaster-boot}
export DEBIAN_FRONTEND=noninteractive

need=()
command -v xz >/dev/null || need+=(xz-utils)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx poweroff || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ] || [ ! -e "$cache/vmlinuz" ] || [ ! -e "$cache/modules/autofs4.ko" ]; then
  apt-get update -qq
fi
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The modules the disk boot test loads with insmod (the initramfs has no modprobe, and busybox's insmod reads
# no compressed module), decompressed into $cache/modules; they must come from the package of vmlinuz.
modules="drivers/block/virtio_blk drivers/block/loop fs/mbcache fs/jbd2/jbd2 lib/crc16 crypto/crc32c_generic fs/ext4/ext4 fs/autofs/autofs4"
if [ ! -e "$cache/vmlinuz" ] || [ ! -e "$cache/modules/autofs4.ko" ]; then
  if [ -e "$cache/vmlinuz" ] && [ -s "$cache/kernel-package" ]; then
    pkg=$(cat "$cache/kernel-package")
  else
    pkg=$(apt-cache search --names-only '^linux-image-[0-9][^ ]*-amd64$' | awk '{print $1}' |
          grep -Ev -- '-(cloud|rt)-amd64$|dbg|unsigned' | sort -V | tail -1)
  fi
  [ -n "$pkg" ] || { echo "boot-deps: no linux-image-*-amd64 package found" >&2; exit 1; }
  mkdir -p "$cache/modules"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq "$pkg")
  dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" ./boot ./lib/modules
  [ -e "$cache/vmlinuz" ] || cp "$tmp"/boot/vmlinuz-* "$cache/vmlinuz"
  for m in $modules; do
    xz -dc "$tmp"/lib/modules/*/kernel/"$m".ko.xz > "$tmp/m.ko"
    mv "$tmp/m.ko" "$cache/modules/$(basename "$m").ko"
  done
  echo "$pkg" > "$cache/kernel-package"
  rm -rf "$tmp"
fi
echo "$cache/vmlinuz ($(cat "$cache/kernel-package" 2>/dev/null))"
