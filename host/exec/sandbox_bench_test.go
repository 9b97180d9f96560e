package exec

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/pkg/seccomp"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// BenchmarkSpawn is the cost of starting /bin/true through the executor until its exit is reaped (wall time, and
// the CPU of the executors and commands, cpu-ms/op, and of the host's side, host-cpu-ms/op), without a
// sandbox and with the one of a hardened unit (ProtectSystem=strict, ProtectHome=yes, PrivateTmp=yes,
// PrivateDevices=yes, PrivateNetwork=yes, SystemCallFilter=@system-service, SystemCallArchitectures=native).
func BenchmarkSpawn(b *testing.B) {
	names, _ := seccomp.Expand("@system-service")
	def, _ := seccomp.Expand("@default")
	sandboxed := &pb.ExecContext{PrivateTmp: true, Sandbox: &pb.Sandbox{ProtectSystem: "strict", ProtectHome: "yes",
		PrivateDevices: true, PrivateNetwork: true, SyscallArchitecturesNative: true,
		SyscallFilter: &pb.SyscallFilter{AllowList: true, Names: append(names, def...), DefaultErrno: int32(unix.EPERM)}}}
	for _, c := range []struct {
		name string
		ec   *pb.ExecContext
	}{
		{"plain", &pb.ExecContext{}},
		{"sandboxed", sandboxed},
		// Its parts, to see where the cost is.
		{"mounts", &pb.ExecContext{PrivateTmp: true, Sandbox: &pb.Sandbox{ProtectSystem: "strict", ProtectHome: "yes", PrivateDevices: true}}},
		{"network", &pb.ExecContext{Sandbox: &pb.Sandbox{PrivateNetwork: true}}},
		{"seccomp", &pb.ExecContext{Sandbox: &pb.Sandbox{SyscallArchitecturesNative: true, SyscallFilter: sandboxed.Sandbox.SyscallFilter}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := &pb.Spawn{Id: "bench", Path: "/bin/true", Argv: []string{"true"}, Exec: c.ec}
			s.Exec.Umask = -1
			var failure *Failure
			o := Options{Unit: "bench.service", InvocationID: "00112233445566778899aabbccddeeff", OnFailure: func(f *Failure) { failure = f }}
			defer RemovePrivateTmp(o.Unit, o.InvocationID)
			before, selfBefore := cpu(b, unix.RUSAGE_CHILDREN), cpu(b, unix.RUSAGE_SELF)
			for b.Loop() {
				exits := make(chan reaper.Exit, 1)
				if _, err := Start(testReaper, s, func(e reaper.Exit) { exits <- e }, o); err != nil {
					b.Fatal(err)
				}
				if e := <-exits; e.Code != reaper.Exited || e.Status != 0 {
					b.Fatalf("exit %+v: %v", e, failure)
				}
			}
			b.ReportMetric(float64(cpu(b, unix.RUSAGE_CHILDREN)-before)/1e6/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(cpu(b, unix.RUSAGE_SELF)-selfBefore)/1e6/float64(b.N), "host-cpu-ms/op")
		})
	}
}

// cpu is the user and system CPU time, in nanoseconds, of this process (RUSAGE_SELF: Start, the reaper, the
// status readers) or of its reaped children (RUSAGE_CHILDREN: the executors and their commands).
func cpu(b *testing.B, who int) int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(who, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
