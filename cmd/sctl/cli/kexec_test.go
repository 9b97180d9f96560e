package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/pkg/bootspec"
)

// TestLoadKexecKernel runs the load step of sctl kexec against a Boot Loader Specification tree and a stand-in
// for kexec-tools' kexec (a script that records its arguments): this host's kernel is never asked to load one.
func TestLoadKexecKernel(t *testing.T) {
	dir := t.TempDir()
	esp := filepath.Join(dir, "esp")
	loaded := filepath.Join(dir, "kexec_loaded")
	record := filepath.Join(dir, "args")
	kexec := filepath.Join(dir, "kexec")
	if err := os.WriteFile(kexec, []byte("#!/bin/sh\nfor a; do printf '%s\\n' \"$a\"; done > "+record+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p, content string) {
		t.Helper()
		p = filepath.Join(esp, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	savedBin, savedLoaded, savedVars := kexecBinary, kexecLoadedFile, bootspec.EFIVarsDir
	kexecBinary, kexecLoadedFile, bootspec.EFIVarsDir = kexec, loaded, filepath.Join(dir, "no-efivars")
	t.Cleanup(func() { kexecBinary, kexecLoadedFile, bootspec.EFIVarsDir = savedBin, savedLoaded, savedVars })
	t.Setenv("SYSTEMD_ESP_PATH", esp)
	t.Setenv("SYSTEMD_RELAX_ESP_CHECKS", "1")
	t.Setenv("SYSTEMD_XBOOTLDR_PATH", filepath.Join(dir, "no-xbootldr"))
	if err := os.WriteFile(loaded, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(o options) (string, error) {
		var stderr bytes.Buffer
		os.Remove(record)
		err := loadKexecKernel(&env{o: o, stdout: &stderr, stderr: &stderr})
		return stderr.String(), err
	}
	args := func() string { b, _ := os.ReadFile(record); return string(b) }

	if err := os.MkdirAll(esp, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := run(options{}); err == nil || err.Error() != "No boot loader entry suitable as default, refusing to guess." {
		t.Errorf("no entries: %v", err)
	}
	write("loader/entries/efi.conf", "efi /EFI/shell.efi\nsort-key a\n")
	if _, err := run(options{}); err == nil || !strings.Contains(err.Error(), "does not refer to Linux kernel") {
		t.Errorf("an efi entry as default: %v", err)
	}
	write("loader/loader.conf", "default deb-*\n")
	write("loader/entries/deb-6.1.conf", "linux /6.1/linux\ninitrd /6.1/initrd\noptions root=/dev/vda ro\noptions quiet\n")
	write("loader/entries/deb-6.0.conf", "linux /6.0/linux\n")
	out, err := run(options{dryRun: true})
	want := kexec + ` --load "` + esp + `/6.1/linux" --append "root=/dev/vda ro quiet" --initrd "` + esp + `/6.1/initrd"`
	if err != nil || out != "Would run "+want+"\n" || args() != "" {
		t.Errorf("--dry-run: %v %q (ran: %q)", err, out, args())
	}
	out, err = run(options{})
	if err != nil || out != "Running "+want+"\n" {
		t.Errorf("load: %v %q", err, out)
	}
	if got := args(); got != "--load\n"+esp+"/6.1/linux\n--append\nroot=/dev/vda ro quiet\n--initrd\n"+esp+"/6.1/initrd\n" {
		t.Errorf("kexec's arguments: %q", got)
	}
	write("loader/entries/deb-6.1.conf", "linux /6.1/linux\ninitrd /a\ninitrd /b\n")
	if _, err := run(options{}); err == nil || !strings.Contains(err.Error(), "multiple initrds") {
		t.Errorf("two initrds: %v", err)
	}
	// A kernel loaded already: nothing to do.
	if err := os.WriteFile(loaded, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(options{}); err != nil || out != "" || args() != "" {
		t.Errorf("with a kernel loaded: %v %q %q", err, out, args())
	}
	os.WriteFile(loaded, []byte("0\n"), 0o644)
	// No ESP: systemctl's message (this host is not booted with EFI).
	t.Setenv("SYSTEMD_RELAX_ESP_CHECKS", "0")
	if _, err := run(options{}); err == nil || err.Error() != "No kexec kernel loaded and autodetection failed.\n"+noESPReason() {
		t.Errorf("no ESP: %v", err)
	}
	kexecBinary = filepath.Join(dir, "none")
	if _, err := run(options{}); err == nil || err.Error() != kexecBinary+" is not available: No such file or directory" {
		t.Errorf("without kexec: %v", err)
	}
}

func noESPReason() string {
	if bootspec.EFIBoot() {
		return "Cannot automatically load kernel: ESP mount point not found."
	}
	return "Automatic loading works only on systems booted with EFI."
}
