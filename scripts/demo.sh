#!/usr/bin/env bash
# Boots sysmaster as PID 1 of a fresh PID+mount namespace, from a tree `make install` writes into a temporary
# directory: the tree is bound over /usr/lib/sysmaster and /etc/sysmaster, /run is a fresh tmpfs. It shows the
# units and plugins, opens a shell inside when run from a terminal (sctl is on its PATH), and powers the
# namespace off with `sctl poweroff` at the end. Needs root. The host gets two empty mount points,
# /usr/lib/sysmaster and /etc/sysmaster, if it has none.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates namespaces)" >&2; exit 1; }
src=$(cd "$(dirname "$0")/.." && pwd)
tree=$(mktemp -d /tmp/sysmaster-demo.XXXXXX)
make -s -C "$src" install DESTDIR="$tree" PREFIX=/usr
mkdir -p /usr/lib/sysmaster /etc/sysmaster
console=$tree/console.log

# A demo service, to show what a service looks like.
cat >"$tree/etc/sysmaster/system/demo-hello.service" <<'UNIT'
[Unit]
Description=A demo service that greets every few seconds
[Service]
ExecStart=/bin/sh -c 'while :; do echo "hello from $$$$ at $(date +%%T)"; sleep 3; done'
[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$tree/etc/sysmaster/system/multi-user.target.wants"
ln -s ../demo-hello.service "$tree/etc/sysmaster/system/multi-user.target.wants/demo-hello.service"

# The namespace gets a cgroup of its own in every hierarchy, so that its services' cgroups stay below it and
# leave the host's alone; removed at the end.
cgname=sysmaster-demo-$$
cgdirs=()
while IFS=: read -r _ ctrls path; do
  case $ctrls in
    "") mnt=/sys/fs/cgroup; [ -e /sys/fs/cgroup/cgroup.controllers ] || mnt=/sys/fs/cgroup/unified ;;
    name=systemd) mnt=/sys/fs/cgroup/systemd ;;
    name=*) continue ;;
    *) mnt=/sys/fs/cgroup/$ctrls ;;
  esac
  dir=$mnt${path%/}/$cgname
  [ -e "$mnt/cgroup.procs" ] && mkdir -p "$dir" 2>/dev/null || continue
  for f in cpuset.cpus cpuset.mems; do
    [ -e "$dir/$f" ] && [ -z "$(cat "$dir/$f")" ] && cat "$(dirname "$dir")/$f" >"$dir/$f"
  done
  cgdirs+=("$dir")
done </proc/self/cgroup
cleanup() {
  for d in "${cgdirs[@]}"; do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; done
  rm -rf "$tree"
}
trap cleanup EXIT

CGROUP_PROCS="$(printf '%s/cgroup.procs ' "${cgdirs[@]}")" \
unshare --pid --mount --fork --kill-child /bin/sh -c '
  set -e
  for f in $CGROUP_PROCS; do echo 0 >"$f"; done
  mount -t tmpfs -o mode=755 tmpfs /run
  mount --bind "$1" /usr/lib/sysmaster
  mount --bind "$2" /etc/sysmaster
  exec /usr/lib/sysmaster/init' sh "$tree/usr/lib/sysmaster" "$tree/etc/sysmaster" >"$console" 2>&1 &
ns=$!

init=
for _ in $(seq 200); do
  init=$(awk '{print $1}' "/proc/$ns/task/$ns/children" 2>/dev/null || true)
  [ -n "$init" ] && break
  sleep 0.05
done
[ -n "$init" ] || { echo "demo: init did not start"; cat "$console"; exit 1; }
sctl() { nsenter -t "$init" -m -p -- "$tree/usr/bin/sctl" "$@"; }
for _ in $(seq 200); do
  [ "$(sctl is-active default.target 2>/dev/null)" = active ] && break
  sleep 0.05
done

echo "== sysmaster is PID 1 of a new namespace (pid $init on the host)"
sctl list-units
echo
sctl list-plugins
echo
sctl status default.target || true
echo
sctl status demo-hello.service || true
if [ -t 0 ]; then
  echo
  echo "== a shell inside the namespace: try 'sctl list-units --all', 'sctl status demo-hello.service', 'sctl logs -f demo-hello.service', 'sctl restart demo-hello.service'."
  echo "== leave it to power the namespace off."
  nsenter -t "$init" -m -p -- env PATH="$tree/usr/bin:$PATH" PS1='sysmaster-demo# ' bash --norc -i || true
fi
echo "== sctl poweroff"
sctl poweroff || true
wait "$ns" || true
echo "== console of init and the core:"
cat "$console"
