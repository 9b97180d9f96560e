package fstabgenerator

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// run generates from an fstab text and a command line into a fresh directory; it returns the directory, the
// generator's log and whether it succeeded.
func runGen(t testing.TB, fstabText, cmd string) (string, string, bool) {
	return runGenIn(t, t.TempDir(), fstabText, cmd)
}

func runGenIn(t testing.TB, dir, fstabText, cmd string) (string, string, bool) {
	p := filepath.Join(dir, "fstab")
	if err := os.WriteFile(p, []byte(fstabText), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	g := newGenerator(filepath.Join(dir, "out"), &log)
	g.container = false
	g.hasFsck = func(string) bool { return true }
	ok := g.run(p, cmd)
	return filepath.Join(dir, "out"), log.String(), ok
}

func readUnit(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(b)
}

func hasLines(t *testing.T, name, content string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains("\n"+content, "\n"+l+"\n") {
			t.Errorf("%s lacks %q:\n%s", name, l, content)
		}
	}
}

func linkOf(t *testing.T, dir, rel string) string {
	t.Helper()
	target, err := os.Readlink(filepath.Join(dir, rel))
	if err != nil {
		t.Errorf("%s: %v", rel, err)
	}
	return target
}

// TestMalformedLine: a bad line is logged with its file and line number and skipped; the others are generated,
// and the generator reports the failure (the core logs it and goes on).
func TestMalformedLine(t *testing.T) {
	dir, log, ok := runGen(t, "/dev/sda1 /a ext4 defaults 0 0\n/dev/sdb1\n/dev/sdc1 /c ext4 defaults x 0\n/dev/sdd1 /d ext4\n", "")
	if ok {
		t.Error("a malformed line must make the generator fail")
	}
	for _, l := range []string{"fstab:2: malformed line", "fstab:3: malformed field"} {
		if !strings.Contains(log, l) {
			t.Errorf("log lacks %q:\n%s", l, log)
		}
	}
	for _, u := range []string{"a.mount", "d.mount", "local-fs.target.requires/a.mount", "local-fs.target.requires/d.mount"} {
		if _, err := os.Lstat(filepath.Join(dir, u)); err != nil {
			t.Errorf("%s not generated: %v", u, err)
		}
	}
}

// TestRootAndOptions: "/" gets its mount unit, the remount with its options and the root check; other options
// of systemd.mount's FSTAB section end up where systemd puts them.
func TestRootAndOptions(t *testing.T) {
	fs := `/dev/vda1 / ext4 errors=remount-ro,noatime 0 1
/dev/vdb /srv ext4 x-systemd.device-timeout=5s,noatime 0 0
server:/export /nfs nfs bg 0 0
//host/share /smb cifs x-systemd.automount 0 0
/data /data2 none bind,nofail,x-systemd.requires=/data 0 0
tmpfs /tmp tmpfs mode=1777,size=50% 0 0
/swapfile none swap sw,nofail 0 0
proc /proc proc defaults 0 0
/dev/vdc /opt ext4 noauto,x-systemd.wanted-by=multi-user.target 0 0
/dev/vdd /opt ext4 defaults 0 0
`
	dir, log, ok := runGen(t, fs, "quiet fstab systemd.mount-extra=/dev/vde:/extra:xfs:ro systemd.swap-extra=/dev/vdf")
	if ok {
		t.Error("the duplicate /opt must be reported")
	}
	if !strings.Contains(log, "already exists") {
		t.Errorf("duplicate not logged:\n%s", log)
	}
	hasLines(t, "-.mount", readUnit(t, dir, "-.mount"), "[Mount]", "What=/dev/vda1", "Where=/", "Type=ext4",
		"Options=errors=remount-ro,noatime", "Before=local-fs.target", "After=blockdev@dev-vda1.target")
	if l := linkOf(t, dir, "local-fs.target.wants/systemd-fsck-root.service"); l != "/usr/lib/systemd/system/systemd-fsck-root.service" {
		t.Errorf("root check link %q", l)
	}
	hasLines(t, "systemd-remount-fs.service", readUnit(t, dir, "systemd-remount-fs.service"),
		"ExecStart=/bin/mount --options-mode=ignore -o remount,errors=remount-ro,noatime /", "Type=oneshot", "DefaultDependencies=no")
	hasLines(t, "srv.mount", readUnit(t, dir, "srv.mount"), "Options=noatime")
	hasLines(t, "dev-vdb.device.d/50-device-timeout.conf", readUnit(t, dir, "dev-vdb.device.d/50-device-timeout.conf"), "JobRunningTimeoutSec=5s")
	nfs := readUnit(t, dir, "nfs.mount")
	hasLines(t, "nfs.mount", nfs, "Options=x-systemd.mount-timeout=infinity,retry=10000,nofail,bg,fg", "TimeoutSec=infinity", "Type=nfs")
	if strings.Contains(nfs, "Before=remote-fs.target") || linkOf(t, dir, "remote-fs.target.wants/nfs.mount") != "../nfs.mount" {
		t.Errorf("a bg NFS mount is nofail, wanted by remote-fs.target:\n%s", nfs)
	}
	hasLines(t, "smb.automount", readUnit(t, dir, "smb.automount"), "Where=/smb")
	if linkOf(t, dir, "remote-fs.target.requires/smb.automount") != "../smb.automount" {
		t.Error("the automount of a network mount goes to remote-fs.target")
	}
	hasLines(t, "data2.mount", readUnit(t, dir, "data2.mount"), "After=data.mount", "Requires=data.mount")
	if linkOf(t, dir, "local-fs.target.wants/data2.mount") != "../data2.mount" {
		t.Error("nofail mount not wanted")
	}
	hasLines(t, "tmp.mount", readUnit(t, dir, "tmp.mount"), "Options=mode=1777,size=50%%", "Type=tmpfs")
	hasLines(t, "swapfile.swap", readUnit(t, dir, "swapfile.swap"), "What=/swapfile", "Options=sw,nofail")
	if linkOf(t, dir, "swap.target.wants/swapfile.swap") != "../swapfile.swap" {
		t.Error("swap not wanted by swap.target")
	}
	if _, err := os.Stat(filepath.Join(dir, "proc.mount")); err == nil {
		t.Error("an API file system got a unit")
	}
	if linkOf(t, dir, "multi-user.target.wants/opt.mount") != "../opt.mount" {
		t.Error("x-systemd.wanted-by= not linked")
	}
	if _, err := os.Lstat(filepath.Join(dir, "local-fs.target.requires/opt.mount")); err == nil {
		t.Error("a noauto mount is linked to local-fs.target")
	}
	hasLines(t, "extra.mount", readUnit(t, dir, "extra.mount"), "SourcePath=/proc/cmdline", "Type=xfs", "Options=ro",
		"Requires=systemd-fsck@dev-vde.service")
	hasLines(t, "dev-vdf.swap", readUnit(t, dir, "dev-vdf.swap"), "What=/dev/vdf")
}

// TestFstabDisabled: fstab=no on the command line leaves fstab unread.
func TestFstabDisabled(t *testing.T) {
	dir, _, ok := runGen(t, "/dev/sda1 /a ext4 defaults 0 0\n", "fstab=0 systemd.swap=no")
	entries, _ := os.ReadDir(dir)
	if !ok || len(entries) != 0 {
		t.Errorf("fstab=0 generated %v", entries)
	}
}

// TestMainEnvironment runs the binary itself: SYSMASTER_FSTAB and SYSMASTER_PROC_CMDLINE replace /etc/fstab and
// /proc/cmdline, and the exit status tells a malformed line.
func TestMainEnvironment(t *testing.T) {
	if os.Getenv("FSTAB_GENERATOR_MAIN") == "1" {
		os.Args = append([]string{"sysmaster-fstab-generator"}, strings.Fields(os.Getenv("FSTAB_GENERATOR_ARGS"))...)
		Main()
		os.Exit(0)
	}
	dir := t.TempDir()
	fs := filepath.Join(dir, "fstab")
	os.WriteFile(fs, []byte("/dev/sda1 /a ext4 defaults 0 0\nbad\n"), 0o644)
	out := filepath.Join(dir, "out")
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainEnvironment$")
	cmd.Env = append(os.Environ(), "FSTAB_GENERATOR_MAIN=1", "SYSMASTER_FSTAB="+fs, "SYSMASTER_PROC_CMDLINE=systemd.mount-extra=/dev/sdb:/b",
		fmt.Sprintf("FSTAB_GENERATOR_ARGS=%s %s %s", out, out+".early", out+".late"))
	b, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(b), "fstab:2: malformed line") {
		t.Errorf("exit %v, output %s", err, b)
	}
	for _, u := range []string{"a.mount", "b.mount"} {
		if _, err := os.Stat(filepath.Join(out, u)); err != nil {
			t.Error(err)
		}
	}
}

// BenchmarkGenerate1000: the generator on a 1,000-line fstab (mounts of every kind and swaps), writing to a
// tmpfs as it does at boot (/run).
func BenchmarkGenerate1000(b *testing.B) {
	shm, err := os.MkdirTemp("/dev/shm", "fstab-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(shm)
	var fs strings.Builder
	for i := 0; i < 1000; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&fs, "/dev/disk%d /mnt/d%d ext4 defaults,x-systemd.device-timeout=10s 0 2\n", i, i)
		case 1:
			fmt.Fprintf(&fs, "tmpfs /mnt/t%d tmpfs mode=0755,nofail 0 0\n", i)
		case 2:
			fmt.Fprintf(&fs, "LABEL=l%d /mnt/a%d xfs x-systemd.automount,x-systemd.idle-timeout=1min 0 0\n", i, i)
		case 3:
			fmt.Fprintf(&fs, "/swap%d none swap sw 0 0\n", i)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(shm, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		if _, log, ok := runGenIn(b, dir, fs.String(), "fstab=yes"); !ok {
			b.Fatal(log)
		}
	}
}

// FuzzCmdline: the command-line parsers never panic; words hold no blank outside quotes, and cUnescape of a
// string without backslashes is the string.
func FuzzCmdline(f *testing.F) {
	f.Add(`a b="c d" systemd.mount-extra=/dev/x:/y:ext4:ro systemd.swap-extra=/s\x3a1`)
	f.Add(`fstab=no "unterminated`)
	f.Fuzz(func(t *testing.T, s string) {
		c := parseCmdline(s)
		for _, w := range splitCmdline(s) {
			if !strings.Contains(s, `"`) && strings.ContainsAny(w, " \t\n") {
				t.Fatalf("word %q of %q", w, s)
			}
		}
		for _, m := range append(c.mounts, c.swaps...) {
			splitExtra(m, 4)
		}
		if !strings.Contains(s, `\`) {
			if u, ok := cUnescape(s); !ok || u != s {
				t.Fatalf("cUnescape(%q) = %q, %v", s, u, ok)
			}
		}
	})
}
