package rules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// outputMax is udevd's UDEV_LINE_SIZE bound on what a PROGRAM or IMPORT{program} may print.
const outputMax = 16384

// SplitCommand splits a PROGRAM/RUN/IMPORT value into argv as udevd does: words separated by whitespace, '…' and
// "…" group (the quotes are removed), and a backslash is kept with the character after it.
func SplitCommand(s string) []string {
	var argv []string
	var w strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			w.WriteByte(c)
			w.WriteByte(s[i+1])
			i++
			inWord = true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				w.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote = c
			inWord = true
		case isSpace(c):
			if inWord {
				argv = append(argv, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		argv = append(argv, w.String())
	}
	return argv
}

// limitedBuffer keeps the first max bytes written and discards the rest.
type limitedBuffer struct {
	bytes.Buffer
	max       int
	truncated bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room < len(p) {
		b.truncated = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// errProgramFailed says the program ran and exited non-zero (or was killed).
var errProgramFailed = errors.New("program failed")

// spawn runs cmdline with the device's properties as its environment and returns what it printed on stdout. A
// relative program name is looked up in ProgramDir. The program is killed (SIGKILL) when the event's timeout
// passes. Its stderr goes to the event's log.
func (ev *Event) spawn(ctx context.Context, cmdline string) (string, error) {
	argv := SplitCommand(cmdline)
	if len(argv) == 0 {
		return "", errors.New("empty command")
	}
	if !filepath.IsAbs(argv[0]) {
		argv[0] = filepath.Join(ev.ProgramDir, argv[0])
	}
	// A missing program is common (rules call helpers of packages not installed): say so without a fork.
	if _, err := os.Stat(argv[0]); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, ev.remaining())
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = ev.Dev.Environ()
	out := &limitedBuffer{max: outputMax}
	errOut := &limitedBuffer{max: outputMax}
	cmd.Stdout, cmd.Stderr = out, errOut
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Kill the whole process group: a shell's children must not outlive the timeout holding our pipes.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if s := strings.TrimSpace(errOut.String()); s != "" {
		ev.logf("'%s'(err) '%s'", cmdline, s)
	}
	if ctx.Err() == context.DeadlineExceeded {
		return out.String(), fmt.Errorf("%s: timed out after %s, killed", argv[0], ev.Timeout)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), fmt.Errorf("%w: %s: %s", errProgramFailed, argv[0], exit.ProcessState)
	}
	return out.String(), err
}
