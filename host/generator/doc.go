// Package generator runs generators, systemd's protocol for turning other configuration into unit files at boot
// and at each daemon-reload (man systemd.generator).
//
// A generator is an executable in one of the generator directories (/run/sysmaster/system-generators,
// /etc/sysmaster/system-generators, /usr/lib/sysmaster/system-generators); a file in an earlier directory hides
// one of the same name in a later one, and an empty file or a symlink to /dev/null masks it. Each is run with
// three arguments, the normal, early and late output directories, which are emptied before the run; the core
// puts them on its unit search path (early before /etc, normal before the vendor directory, late last).
//
// All generators run at once, each in its own process group, bounded by Runner.Timeout: a generator that is
// still running then is killed with its group. A slow or failing generator is logged and its output kept as far
// as it got; it never fails the boot. Their processes are started through the core's reaper, which alone waits
// for them (design invariant 2), and what they print is logged line by line under their name.
//
//	r := &generator.Runner{
//		Dirs: []string{"/run/sysmaster/system-generators", "/etc/sysmaster/system-generators",
//			"/usr/lib/sysmaster/system-generators"},
//		Out: generator.OutDirs("/run/sysmaster"), Timeout: 90 * time.Second, Reaper: rp, Log: log,
//	}
//	for _, res := range r.Run() {
//		_ = res.OK()
//	}
package generator
