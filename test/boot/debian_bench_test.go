package boot

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
)

// probe runs in the Debian guest under either init (a unit in /etc/systemd/system, which both read): it waits
// for multi-user.target, then for the end of the boot's jobs, lets the machine rest ten seconds, and prints one
// line on the console with the uptimes and the PSS of the init system's processes, and one with the first line of
// the init system's own boot analysis (sctl analyze time, systemd-analyze time), then powers off. The init
// system is, for sysmaster, every process run from /usr/lib/sysmaster (init, core, plugins, udevd; the core
// owns the unit logs); for systemd, PID 1, systemd-journald and systemd-udevd (whose executable is Debian's
// /usr/bin/udevadm). journald runs under both and is reported on its own, and so is udevd (ours or systemd-udevd)
// besides being counted in the init system.
const probe = `#!/bin/sh
if [ "$(readlink /proc/1/exe)" = /usr/lib/sysmaster/init ]; then ctl=sctl; else ctl=systemctl; fi
until [ "$($ctl is-active multi-user.target)" = active ]; do sleep 0.05; done
mu=$(cut -d' ' -f1 /proc/uptime)
$ctl is-system-running --wait >/dev/null 2>&1
fin=$(cut -d' ' -f1 /proc/uptime)
sleep 10
init=0; journald=0; udevd=0
for p in /proc/[0-9]*; do
	exe=$(readlink $p/exe) || continue
	kb=$(awk '/^Pss:/ {print $2}' $p/smaps_rollup 2>/dev/null) || continue
	# udevd runs from sysmaster's executable image (its exe is the image), systemd-udevd from Debian's udevadm.
	case "$exe:$(cat $p/comm)" in
	*/systemd-journald:*) journald=$((journald + kb)) ;;
	/usr/lib/sysmaster/*:udevd|/usr/bin/udevadm:*|/usr/lib/systemd/systemd-udevd:*) init=$((init + kb)); udevd=$((udevd + kb))
		echo "@@UDEVD $exe $(grep -E '^(Pss_Anon|Pss_File)' $p/smaps_rollup | tr -s ' \n' '  ')" >/dev/console ;;
	/usr/lib/sysmaster/*|/usr/lib/systemd/systemd:*) init=$((init + kb)) ;;
	esac
done
echo "@@PROBE $ctl multi_user_s=$mu finished_s=$fin init_pss_kb=$init journald_pss_kb=$journald udevd_pss_kb=$udevd" >/dev/console
if [ $ctl = sctl ]; then analyze="sctl analyze"; else analyze=systemd-analyze; fi
echo "@@ANALYZE $ctl $($analyze time 2>&1 | head -n 1)" >/dev/console
$ctl poweroff
`

func addProbe(root string) {
	files := map[string]string{
		"usr/local/sbin/boot-probe": probe,
		// Type=simple: the start is done once the probe runs, so multi-user.target (ordered after what it wants)
		// does not wait for the probe that waits for it.
		"etc/systemd/system/boot-probe.service": "[Unit]\nDescription=Boot probe\n\n[Service]\nType=simple\n" +
			"ExecStart=/usr/local/sbin/boot-probe\n\n[Install]\nWantedBy=multi-user.target\n",
	}
	for p, c := range files {
		mode := os.FileMode(0o644)
		if filepath.Base(filepath.Dir(p)) == "sbin" {
			mode = 0o755
		}
		os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte(c), mode)
	}
	os.MkdirAll(filepath.Join(root, "etc/systemd/system/multi-user.target.wants"), 0o755)
	os.Symlink("../boot-probe.service", filepath.Join(root, "etc/systemd/system/multi-user.target.wants/boot-probe.service"))
}

// udevdLine is the probe's split of each udevd's PSS.
var udevdLine = regexp.MustCompile(`@@UDEVD [^\n]*`)

var probeLine = regexp.MustCompile(`@@PROBE (\S+) multi_user_s=([0-9.]+) finished_s=([0-9.]+) init_pss_kb=(\d+) journald_pss_kb=(\d+) udevd_pss_kb=(\d+)`)

// analyzeLine is the probe's line of `analyze time`: "Startup finished in 1.2s (kernel) + 5.6s (userspace) = …".
var analyzeLine = regexp.MustCompile(`@@ANALYZE (\S+) (Startup finished in .*?)\r?\n`)

// userspaceOf is the userspace time of an analyze time line, in seconds.
func userspaceOf(line string) (float64, bool) {
	m := regexp.MustCompile(`(?:\+ |in )([0-9a-z. ]+?) \(userspace\)`).FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	d, err := timespan.Parse(strings.ReplaceAll(m[1], " ", ""))
	return d.Seconds(), err == nil
}

// BenchmarkDebianBoot boots the Debian guest under sysmaster and under systemd 252, alternating, b.N times each,
// each boot on a fresh copy of its disk (every boot is alike, a first boot), and reports the medians and the
// ratios: guest uptime when multi-user.target is active and when the boot's jobs are done, and the init
// system's PSS at rest. bench/debian-boot.sh runs it.
func BenchmarkDebianBoot(b *testing.B) {
	g := buildDebianGuest(b, addProbe)
	dir := b.TempDir()
	// systemd's disk: the same image with the migration reverted.
	sdDisk := filepath.Join(dir, "systemd.img")
	if out, err := exec.Command("cp", "--sparse=always", g.disk, sdDisk).CombinedOutput(); err != nil {
		b.Fatalf("cp: %v\n%s", err, out)
	}
	mnt := b.TempDir()
	if out, err := exec.Command("mount", "-o", "loop", sdDisk, mnt).CombinedOutput(); err != nil {
		b.Fatalf("mount: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(mnt, "usr/sbin/sysmaster-migrate"), "--root", mnt, "--revert").CombinedOutput()
	exec.Command("umount", mnt).Run()
	if err != nil {
		b.Fatalf("revert: %v\n%s", err, out)
	}
	sides := []struct{ name, init, disk string }{
		{"sysmaster", "/usr/lib/sysmaster/init", g.disk},
		{"systemd", "/lib/systemd/systemd", sdDisk},
	}
	figures := map[string][][5]float64{}
	analyzed := map[string][]float64{} // userspace seconds as each side's analyze time says
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range sides {
			disk := filepath.Join(dir, "boot.img")
			if out, err := exec.Command("cp", "--sparse=always", s.disk, disk).CombinedOutput(); err != nil {
				b.Fatalf("cp: %v\n%s", err, out)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			v := bootDisk(ctx, b, g, disk, s.init, freePort(b))
			if _, err := v.waitFor(ctx, "@@PROBE"); err != nil {
				cancel()
				b.Fatalf("%s: %v\n%s", s.name, err, v.Console())
			}
			if _, err := v.waitFor(ctx, "reboot: Power down"); err != nil {
				cancel()
				b.Fatalf("%s: %v", s.name, err)
			}
			<-v.done
			cancel()
			for _, l := range udevdLine.FindAllString(v.Console(), -1) {
				b.Logf("%s: %s", s.name, strings.TrimSpace(l))
			}
			m := probeLine.FindStringSubmatch(v.Console())
			if m == nil {
				b.Fatalf("%s: no probe line", s.name)
			}
			var f [5]float64
			for j := range f {
				f[j], _ = strconv.ParseFloat(m[2+j], 64)
			}
			figures[s.name] = append(figures[s.name], f)
			b.Logf("%s boot %d: multi-user %.2f s, finished %.2f s, init system PSS %.0f kB, journald %.0f kB, udevd %.0f kB",
				s.name, i+1, f[0], f[1], f[2], f[3], f[4])
			if a := analyzeLine.FindStringSubmatch(v.Console()); a != nil {
				b.Logf("%s boot %d: %s analyze time: %s", s.name, i+1, a[1], a[2])
				if u, ok := userspaceOf(a[2]); ok {
					analyzed[s.name] = append(analyzed[s.name], u)
				}
			} else {
				b.Logf("%s boot %d: no analyze time line", s.name, i+1)
			}
		}
	}
	b.StopTimer()
	names := []string{"multi-user-s", "finished-s", "init-pss-kB", "journald-pss-kB", "udevd-pss-kB"}
	for j, n := range names {
		sm, sd := median(figures["sysmaster"], j), median(figures["systemd"], j)
		b.ReportMetric(sm, "sysmaster-"+n)
		b.ReportMetric(sd, "systemd-"+n)
		if sd > 0 {
			b.ReportMetric(sm/sd, "ratio-"+n)
		}
		fmt.Printf("%-16s sysmaster %10.2f  systemd %10.2f  ratio %.2f\n", n, sm, sd, sm/sd)
	}
	// The userspace time each init system reports of itself (sctl analyze time beside systemd-analyze time).
	if len(analyzed["sysmaster"]) > 0 && len(analyzed["systemd"]) > 0 {
		sort.Float64s(analyzed["sysmaster"])
		sort.Float64s(analyzed["systemd"])
		sm, sd := analyzed["sysmaster"][len(analyzed["sysmaster"])/2], analyzed["systemd"][len(analyzed["systemd"])/2]
		b.ReportMetric(sm, "sysmaster-analyze-userspace-s")
		b.ReportMetric(sd, "systemd-analyze-userspace-s")
		if sd > 0 {
			b.ReportMetric(sm/sd, "ratio-analyze-userspace-s")
		}
		fmt.Printf("%-16s sysmaster %10.2f  systemd %10.2f  ratio %.2f\n", "analyze-userspace-s", sm, sd, sm/sd)
	}
}

func median(rows [][5]float64, col int) float64 {
	v := make([]float64, len(rows))
	for i, r := range rows {
		v[i] = r[col]
	}
	sort.Float64s(v)
	if len(v) == 0 {
		return 0
	}
	return v[len(v)/2]
}

// TestUserspaceOf reads the userspace time of both analyze time lines, as the two init systems print them.
func TestUserspaceOf(t *testing.T) {
	for line, want := range map[string]float64{
		"Startup finished in 1.234s (kernel) + 5.678s (userspace) = 6.912s":           5.678,
		"Startup finished in 2.1s (kernel) + 1min 3.500s (userspace) = 1min 5.600s":   63.5,
		"Startup finished in 812ms (userspace) ":                                      0.812,
		"Startup finished in 3.05s (kernel) + 2.601s (initrd) + 9.1s (userspace) = …": 9.1,
	} {
		if got, ok := userspaceOf(line); !ok || got < want-1e-9 || got > want+1e-9 {
			t.Errorf("userspaceOf(%q) = %v, %v; want %v", line, got, ok, want)
		}
	}
	if _, ok := userspaceOf("Bootup is not yet finished"); ok {
		t.Error("a line without a userspace time was read")
	}
}
