package builtin

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/udevd/device"
)

// TestKmod runs the builtin with a stand-in modprobe that records its arguments: without names it loads the
// device's MODALIAS; a dry run loads nothing.
func TestKmod(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "args")
	fake := filepath.Join(dir, "modprobe")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" >> "+log+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	defer func(old string) { modprobe = old }(modprobe)
	modprobe = fake
	dev, err := device.Sysfs{}.FromUevent(map[string]string{"DEVPATH": "/devices/virtual/net/lo", "ACTION": "add",
		"MODALIAS": "pci:v00008086d0000100Esv*"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Lookup("kmod")
	ctx := context.Background()
	for _, argv := range [][]string{{"kmod", "load"}, {"kmod", "load", "loop", "fuse"}} {
		if err := b.Run(ctx, dev, argv, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Run(ctx, dev, []string{"kmod", "load", "dry"}, true); err != nil {
		t.Fatal(err)
	}
	if err := b.Run(ctx, dev, []string{"kmod", "unload"}, false); err == nil {
		t.Error("kmod unload accepted")
	}
	got, _ := os.ReadFile(log)
	want := "-b -q -a -- pci:v00008086d0000100Esv*\n-b -q -a -- loop fuse\n"
	if string(got) != want {
		t.Fatalf("modprobe ran with:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(string(got), "dry") {
		t.Fatal("a dry run loaded a module")
	}
}
