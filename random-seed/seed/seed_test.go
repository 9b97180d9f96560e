package seed

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// recorder is a Pool that keeps what it was given, for the decisions; TestRealPoolCredits uses the kernel's.
type recorder struct{ mixed, credited [][]byte }

func (r *recorder) Mix(b []byte) error {
	r.mixed = append(r.mixed, append([]byte(nil), b...))
	return nil
}
func (r *recorder) Credit(b []byte) error {
	r.credited = append(r.credited, append([]byte(nil), b...))
	return nil
}

func options(t *testing.T) (Options, *recorder, *strings.Builder) {
	dir := t.TempDir()
	r, log := &recorder{}, &strings.Builder{}
	return Options{Path: filepath.Join(dir, "lib", "random-seed"), Pool: r, Log: log,
		FirstBootMarker: filepath.Join(dir, "first-boot")}, r, log
}

func marker(t *testing.T, path string) string {
	buf := make([]byte, 8)
	n, err := unix.Getxattr(path, CreditableXattr, buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

func TestFirstRunSavesACreditableSeed(t *testing.T) {
	o, r, log := options(t)
	res, err := Load(o)
	if err != nil || res.Loaded != 0 || len(r.credited)+len(r.mixed) != 0 {
		t.Fatalf("first run: %+v %v %+v", res, err, r)
	}
	st, err := os.Stat(o.Path)
	if err != nil || st.Size() != minSize || st.Mode().Perm() != 0o600 {
		t.Fatalf("seed after the first run: %v %v", st, err)
	}
	if m := marker(t, o.Path); m != "1" {
		t.Errorf("marker %q, want 1", m)
	}
	if !strings.Contains(log.String(), "no seed saved yet") {
		t.Errorf("log: %s", log)
	}
}

func TestNextBootCreditsTheMarkedSeedAndReplacesIt(t *testing.T) {
	o, r, log := options(t)
	if err := Save(o); err != nil {
		t.Fatal(err)
	}
	saved, _ := os.ReadFile(o.Path)
	res, err := Load(o)
	if err != nil || !res.Credited || res.Loaded != minSize {
		t.Fatalf("%+v %v; log: %s", res, err, log)
	}
	if len(r.credited) != 1 || !bytes.Equal(r.credited[0], saved) {
		t.Error("the pool was not credited the saved seed")
	}
	now, _ := os.ReadFile(o.Path)
	if bytes.Equal(now, saved) || len(now) != minSize {
		t.Error("the seed was not replaced: it would be credited twice")
	}
	if m := marker(t, o.Path); m != "1" {
		t.Errorf("the fresh seed's marker %q", m)
	}
	if !strings.Contains(log.String(), "credited to the kernel's entropy pool") {
		t.Errorf("log: %s", log)
	}
}

func TestCreditDecisions(t *testing.T) {
	for _, c := range []struct {
		name      string
		credit    string
		firstBoot bool
		unmarked  bool
		mode      os.FileMode
		want      bool
		why       string
	}{
		{name: "marked", want: true},
		{name: "first boot", firstBoot: true, why: "first boot"},
		{name: "no marker", unmarked: true, why: "no user.random-seed-creditable marker"},
		{name: "readable by others", mode: 0o644, why: "fixed to 0600"},
		{name: "writable by the group", mode: 0o620, why: "could be read or written by others"},
		{name: "override off", credit: "no", why: "SYSMASTER_RANDOM_SEED_CREDIT=no"},
		{name: "override on", credit: "yes", want: true},
		{name: "override on, first boot", credit: "1", firstBoot: true, why: "first boot"},
		{name: "override not understood", credit: "perhaps", why: "neither a boolean nor"},
		{name: "forced, no marker", credit: "force", unmarked: true, want: true},
		{name: "forced, first boot, readable", credit: "force", firstBoot: true, mode: 0o644, want: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, r, log := options(t)
			o.Credit = c.credit
			if err := Save(o); err != nil {
				t.Fatal(err)
			}
			if c.unmarked {
				unix.Removexattr(o.Path, CreditableXattr)
			}
			if c.mode != 0 {
				os.Chmod(o.Path, c.mode)
			}
			if c.firstBoot {
				os.WriteFile(o.FirstBootMarker, nil, 0o444)
			}
			res, err := Load(o)
			if err != nil || res.Credited != c.want || len(r.credited) != map[bool]int{true: 1}[c.want] {
				t.Fatalf("credited %v (%d calls), want %v; %v; log: %s", res.Credited, len(r.credited), c.want, err, log)
			}
			if !strings.Contains(log.String(), c.why) {
				t.Errorf("log does not say %q: %s", c.why, log)
			}
			if st, _ := os.Stat(o.Path); st.Mode().Perm() != 0o600 {
				t.Errorf("mode after load %v", st.Mode().Perm())
			}
		})
	}
}

func TestMachineIDIsMixedInFirst(t *testing.T) {
	o, r, _ := options(t)
	o.MachineID = filepath.Join(t.TempDir(), "machine-id")
	os.WriteFile(o.MachineID, []byte("0123456789abcdef0123456789abcdef\n"), 0o444)
	if _, err := Load(o); err != nil {
		t.Fatal(err)
	}
	want := []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	if len(r.mixed) != 1 || !bytes.Equal(r.mixed[0], want) {
		t.Errorf("mixed %x", r.mixed)
	}
}

func TestLargerSeedKeepsItsSize(t *testing.T) {
	o, r, _ := options(t)
	os.MkdirAll(filepath.Dir(o.Path), 0o755)
	old := bytes.Repeat([]byte{7}, 2000)
	os.WriteFile(o.Path, old, 0o600)
	if _, err := Load(o); err != nil {
		t.Fatal(err)
	}
	if len(r.mixed) != 1 || !bytes.Equal(r.mixed[0], old) {
		t.Error("the whole old seed was not mixed in")
	}
	if st, _ := os.Stat(o.Path); st.Size() != 2000 {
		t.Errorf("size %d", st.Size())
	}
}

func TestSystemdSeedIsTakenOver(t *testing.T) {
	o, r, log := options(t)
	o.Legacy = filepath.Join(t.TempDir(), "systemd", "random-seed")
	os.MkdirAll(filepath.Dir(o.Legacy), 0o755)
	old := bytes.Repeat([]byte{9}, minSize)
	os.WriteFile(o.Legacy, old, 0o600)
	unix.Setxattr(o.Legacy, CreditableXattr, []byte("1"), 0)
	res, err := Load(o)
	if err != nil || !res.Credited || !bytes.Equal(r.credited[0], old) {
		t.Fatalf("%+v %v; log: %s", res, err, log)
	}
	if _, err := os.Stat(o.Legacy); !os.IsNotExist(err) {
		t.Error("systemd's seed is still there: it would be used again")
	}
}

// inReadOnlyMount runs f in a private mount namespace where dir is a read-only bind mount of itself.
func inReadOnlyMount(t *testing.T, dir string, f func()) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a mount namespace")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// The thread keeps the namespace: it ends with this goroutine, never handed back to the scheduler.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			t.Error(err)
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_PRIVATE|unix.MS_REC, ""); err != nil {
			t.Error(err)
			return
		}
		if err := unix.Mount(dir, dir, "", unix.MS_BIND, ""); err != nil {
			t.Error(err)
			return
		}
		if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, ""); err != nil {
			t.Error(err)
			return
		}
		f()
	}()
	<-done
}

func TestReadOnlyVarLibIsOneLineAndSuccess(t *testing.T) {
	t.Run("no seed", func(t *testing.T) {
		o, r, log := options(t)
		inReadOnlyMount(t, filepath.Dir(filepath.Dir(o.Path)), func() {
			res, err := Load(o)
			if err != nil || res.Loaded != 0 || len(r.mixed)+len(r.credited) != 0 {
				t.Errorf("%+v %v", res, err)
			}
			if err := Save(o); err != nil {
				t.Errorf("save: %v", err)
			}
		})
		lines := strings.Split(strings.TrimSpace(log.String()), "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], "read-only file system and no seed to load") ||
			!strings.Contains(lines[1], "read-only file system, no seed saved") {
			t.Errorf("log: %q", lines)
		}
	})
	t.Run("a saved seed", func(t *testing.T) {
		o, r, log := options(t)
		if err := Save(o); err != nil {
			t.Fatal(err)
		}
		saved, _ := os.ReadFile(o.Path)
		inReadOnlyMount(t, filepath.Dir(o.Path), func() {
			res, err := Load(o)
			if err != nil || res.Credited || len(r.mixed) != 1 || !bytes.Equal(r.mixed[0], saved) {
				t.Errorf("%+v %v", res, err)
			}
		})
		if now, _ := os.ReadFile(o.Path); !bytes.Equal(now, saved) {
			t.Error("the seed changed on a read-only file system")
		}
		if !strings.Contains(log.String(), "read-only file system, the seed is not refreshed") ||
			!strings.Contains(log.String(), "would be credited again") {
			t.Errorf("log: %s", log)
		}
	})
}

// The kernel's pool itself: RNDADDENTROPY is root's; the ioctl's success is the check (entropy_avail stays at
// 256 once the pool is initialised on kernels since 5.18, so it tells nothing).
func TestRealPoolCredits(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("RNDADDENTROPY needs CAP_SYS_ADMIN")
	}
	pool, err := OpenKernelPool("/dev/urandom")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	o, _, log := options(t)
	o.Pool = pool
	if err := Save(o); err != nil {
		t.Fatal(err)
	}
	res, err := Load(o)
	if err != nil || !res.Credited || res.Loaded != minSize {
		t.Fatalf("%+v %v; log: %s", res, err, log)
	}
	null, err := OpenKernelPool("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if err := null.Credit([]byte("x")); err != unix.ENOTTY {
		t.Errorf("RNDADDENTROPY on /dev/null: %v, want ENOTTY: the ioctl's result is not looked at", err)
	}
}

func TestUnreadableSeedIsReported(t *testing.T) {
	o, _, _ := options(t)
	os.MkdirAll(o.Path, 0o755)
	if _, err := Load(o); err == nil {
		t.Fatal("a directory as seed file must be an error")
	}
}
