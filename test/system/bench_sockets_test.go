package system

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// The benchmarks of this file measure socket activation (docs/performance.md, "Sockets"); bench/sockets.sh runs
// them. Each boots one system and reports:
//
//	ms-first-byte  BenchmarkSocketFirstByte: from connect() on an idle socket (its service stopped) to the first
//	               byte of the answer of the service that connection started (a Go server using go-systemd's
//	               activation package), per connection
//	conns/s        BenchmarkSocketAcceptYes: connections served per second by Accept=yes, each by its own
//	               instance (/bin/echo with StandardOutput=socket), 8 clients at a time

// noLimits turns off the socket's rate limits: the benchmarks measure the core, and systemd's defaults (15
// polls or 20 triggers per 2 s with Accept=no, 150 polls per 2 s with Accept=yes) would cap them.
const noLimits = "PollLimitIntervalSec=0\nTriggerLimitIntervalSec=0\n"

func BenchmarkSocketFirstByte(b *testing.B) {
	port := freePort(b, "tcp")
	s := harness.Start(b, harness.Options{Units: map[string]string{
		"web.socket":  fmt.Sprintf("[Socket]\nListenStream=127.0.0.1:%d\n%s", port, noLimits),
		"web.service": "[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/etc/sysmaster/activated\n",
	}})
	copyExecutable(b, harness.BuildPlugin(b, "test/system/testdata/activated", b.TempDir()), filepath.Join(s.Etc, "activated"))
	if _, errs, code := s.Sctl("start", "web.socket"); code != 0 {
		b.Fatalf("start web.socket: %s", errs)
	}
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, errs, code := s.Sctl("stop", "web.service"); code != 0 {
			b.Fatalf("stop web.service: %s", errs)
		}
		if !s.WaitFor(10*time.Second, func() bool { return s.Show("web.socket", "SubState") == "listening" }) {
			b.Fatalf("web.socket never listened again")
		}
		b.StartTimer()
		t0 := time.Now()
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 10*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(20 * time.Second))
		fmt.Fprintf(c, "GET / HTTP/1.0\r\n\r\n")
		one := make([]byte, 1)
		if _, err := io.ReadFull(c, one); err != nil {
			logs, _, _ := s.Sctl("logs", "web.service", "web.socket")
			b.Fatalf("connection %d: %v\n%s", i, err, logs)
		}
		total += time.Since(t0)
		if os.Getenv("SYSMASTER_BENCH_TRACE") != "" {
			fmt.Println(i, time.Since(t0))
		}
		c.Close()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-first-byte")
}

func BenchmarkSocketAcceptYes(b *testing.B) {
	port := freePort(b, "tcp")
	s := harness.Start(b, harness.Options{Units: map[string]string{
		"hi.socket":   fmt.Sprintf("[Socket]\nListenStream=127.0.0.1:%d\nAccept=yes\nMaxConnections=256\n%s", port, noLimits),
		"hi@.service": "[Service]\nStandardInput=socket\nStandardOutput=socket\nExecStart=/bin/echo hi\n",
	}})
	if _, errs, code := s.Sctl("start", "hi.socket"); code != 0 {
		b.Fatalf("start hi.socket: %s", errs)
	}
	const clients = 8
	work := make(chan struct{}, b.N)
	for i := 0; i < b.N; i++ {
		work <- struct{}{}
	}
	close(work)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	b.ResetTimer()
	t0 := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 10*time.Second)
				if err != nil {
					errs <- err
					return
				}
				conn.SetDeadline(time.Now().Add(30 * time.Second))
				line, err := bufio.NewReader(conn).ReadString('\n')
				conn.Close()
				if err != nil || line != "hi\n" {
					errs <- fmt.Errorf("answer %q, %v", line, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "conns/s")
}
