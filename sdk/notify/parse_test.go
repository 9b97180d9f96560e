package notify

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		fields []string
		want   Notice
		errs   []error // the reasons, in order
	}{
		{"nothing", nil, Notice{}, nil},
		{"ready and status", []string{"READY=1", "STATUS=Serving 3 clients"},
			Notice{Ready: true, Status: ptr("Serving 3 clients")}, nil},
		{"empty status clears", []string{"STATUS="}, Notice{Status: ptr("")}, nil},
		{"status keeps '='", []string{"STATUS=a=b"}, Notice{Status: ptr("a=b")}, nil},
		{"status not UTF-8", []string{"STATUS=\xff"}, Notice{}, []error{ErrNotUTF8}},
		{"reloading with clock", []string{"RELOADING=1", "MONOTONIC_USEC=123456789"},
			Notice{Reloading: true, MonotonicUSec: ptr(uint64(123456789))}, nil},
		{"stopping", []string{"STOPPING=1"}, Notice{Stopping: true}, nil},
		{"ready=0 is not ready", []string{"READY=0"}, Notice{}, []error{ErrUnknownValue}},
		{"flag repeated", []string{"READY=1", "READY=1"}, Notice{Ready: true}, nil},
		{"mainpid", []string{"MAINPID=4242"}, Notice{MainPID: ptr(4242)}, nil},
		{"mainpid abc", []string{"MAINPID=abc"}, Notice{}, []error{ErrNotPid}},
		{"mainpid 0", []string{"MAINPID=0"}, Notice{}, []error{ErrNotPid}},
		{"mainpid negative", []string{"MAINPID=-5"}, Notice{}, []error{ErrNotPid}},
		{"mainpid plus", []string{"MAINPID=+5"}, Notice{}, []error{ErrNotPid}},
		{"mainpid space", []string{"MAINPID= 5"}, Notice{}, []error{ErrNotPid}},
		{"mainpid too big", []string{"MAINPID=4194304"}, Notice{}, []error{ErrNotPid}},
		{"mainpid largest", []string{"MAINPID=4194303"}, Notice{MainPID: ptr(4194303)}, nil},
		{"first mainpid decides", []string{"MAINPID=7", "MAINPID=8"}, Notice{MainPID: ptr(7)}, nil},
		{"bad first mainpid decides", []string{"MAINPID=x", "MAINPID=8"}, Notice{}, []error{ErrNotPid}},
		{"errno", []string{"ERRNO=2"}, Notice{Errno: ptr(2)}, nil},
		{"errno 0", []string{"ERRNO=0"}, Notice{Errno: ptr(0)}, nil},
		{"errno max", []string{"ERRNO=4095"}, Notice{Errno: ptr(4095)}, nil},
		{"errno too big", []string{"ERRNO=4096"}, Notice{}, []error{ErrNotErrno}},
		{"errno name", []string{"ERRNO=ENOENT"}, Notice{}, []error{ErrNotErrno}},
		{"buserror", []string{"BUSERROR=org.freedesktop.DBus.Error.TimedOut"},
			Notice{BusError: "org.freedesktop.DBus.Error.TimedOut"}, nil},
		{"buserror one element", []string{"BUSERROR=Timeout"}, Notice{}, []error{ErrBadBusError}},
		{"buserror digit", []string{"BUSERROR=org.9x"}, Notice{}, []error{ErrBadBusError}},
		{"watchdog", []string{"WATCHDOG=1"}, Notice{Watchdog: true}, nil},
		{"watchdog trigger", []string{"WATCHDOG=trigger"}, Notice{WatchdogTrigger: true}, nil},
		{"watchdog other", []string{"WATCHDOG=2"}, Notice{}, []error{ErrUnknownValue}},
		{"watchdog usec", []string{"WATCHDOG_USEC=30000000"}, Notice{WatchdogUSec: ptr(uint64(30000000))}, nil},
		{"watchdog usec 0", []string{"WATCHDOG_USEC=0"}, Notice{WatchdogUSec: ptr(uint64(0))}, nil},
		{"watchdog usec max", []string{"WATCHDOG_USEC=18446744073709551615"},
			Notice{WatchdogUSec: ptr(uint64(1<<64 - 1))}, nil},
		{"watchdog usec overflow", []string{"WATCHDOG_USEC=18446744073709551616"}, Notice{}, []error{ErrNotUSec}},
		{"watchdog usec unit", []string{"WATCHDOG_USEC=5s"}, Notice{}, []error{ErrNotUSec}},
		{"extend timeout", []string{"EXTEND_TIMEOUT_USEC=5000000"},
			Notice{ExtendTimeoutUSec: ptr(uint64(5000000))}, nil},
		{"extend timeout empty", []string{"EXTEND_TIMEOUT_USEC="}, Notice{}, []error{ErrNotUSec}},
		{"fd store", []string{"FDSTORE=1", "FDNAME=conn-1", "FDPOLL=0"},
			Notice{FDStore: true, FDName: "conn-1", FDPollOff: true}, nil},
		{"fdpoll 1", []string{"FDPOLL=1"}, Notice{}, nil},
		{"fdpoll other", []string{"FDPOLL=no"}, Notice{}, []error{ErrUnknownValue}},
		{"fd store remove", []string{"FDSTOREREMOVE=1", "FDNAME=conn-1"},
			Notice{FDStoreRemove: true, FDName: "conn-1"}, nil},
		{"fdname colon", []string{"FDNAME=a:b"}, Notice{}, []error{ErrBadFDName}},
		{"fdname empty", []string{"FDNAME="}, Notice{}, []error{ErrBadFDName}},
		{"fdname control", []string{"FDNAME=a\tb"}, Notice{}, []error{ErrBadFDName}},
		{"fdname non-ASCII", []string{"FDNAME=é"}, Notice{}, []error{ErrBadFDName}},
		{"fdname 255", []string{"FDNAME=" + strings.Repeat("n", 255)}, Notice{FDName: strings.Repeat("n", 255)}, nil},
		{"fdname 256", []string{"FDNAME=" + strings.Repeat("n", 256)}, Notice{}, []error{ErrBadFDName}},
		{"notifyaccess", []string{"NOTIFYACCESS=exec"}, Notice{NotifyAccess: "exec"}, nil},
		{"notifyaccess bad", []string{"NOTIFYACCESS=everyone"}, Notice{}, []error{ErrBadAccess}},
		{"unknown keys ignored", []string{"X_MY_THING=1", "EXIT_STATUS=3", "lower=1", "=", "=x", "junk"},
			Notice{}, nil},
		{"known key without value", []string{"READY", "STATUS"}, Notice{}, []error{ErrNoValue, ErrNoValue}},
		{"keys are case-sensitive", []string{"ready=1"}, Notice{}, nil},
		{"bad field does not spoil the rest", []string{"MAINPID=abc", "READY=1", "ERRNO=x", "STATUS=ok"},
			Notice{Ready: true, Status: ptr("ok")}, []error{ErrNotPid, ErrNotErrno}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := Parse(tt.fields)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.fields, got, tt.want)
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("Parse(%q) errors %v, want %v", tt.fields, errs, tt.errs)
			}
			for i := range errs {
				var fe *FieldError
				if !errors.As(errs[i], &fe) || !errors.Is(errs[i], tt.errs[i]) {
					t.Errorf("error %d: %v, want a FieldError for %v", i, errs[i], tt.errs[i])
				}
			}
		})
	}
}

func TestFieldErrorText(t *testing.T) {
	_, errs := Parse([]string{"MAINPID=abc"})
	if len(errs) != 1 || errs[0].Error() != "notify: MAINPID=abc: not a pid" {
		t.Errorf("errors %v", errs)
	}
	_, errs = Parse([]string{"MAINPID=\x1b[31m" + strings.Repeat("9", 200)})
	if len(errs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	if msg := errs[0].Error(); strings.ContainsRune(msg, '\x1b') || len(msg) > 150 {
		t.Errorf("error text not made safe for a log: %q", msg)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"READY=1\nSTATUS=hi", "MAINPID=42", "MAINPID=abc", "ERRNO=4096", "WATCHDOG=trigger",
		"WATCHDOG_USEC=18446744073709551616", "FDSTORE=1\nFDNAME=x:y\nFDPOLL=0", "BUSERROR=a.b",
		"NOTIFYACCESS=all", "STATUS=\xff", "READY\n=\n\n", "EXTEND_TIMEOUT_USEC=-1\nMONOTONIC_USEC=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fields := strings.Split(s, "\n")
		n, errs := Parse(fields)
		for _, err := range errs {
			var fe *FieldError
			if !errors.As(err, &fe) || err.Error() == "" {
				t.Fatalf("error %#v is not a FieldError with text", err)
			}
		}
		if n.Status != nil && !strings.Contains(s, "STATUS="+*n.Status) {
			t.Fatalf("status %q not in the input", *n.Status)
		}
		if n.MainPID != nil && (*n.MainPID <= 0 || *n.MainPID > pidMax) {
			t.Fatalf("MAINPID %d accepted", *n.MainPID)
		}
		if n.Errno != nil && (*n.Errno < 0 || *n.Errno > errnoMax) {
			t.Fatalf("ERRNO %d accepted", *n.Errno)
		}
		if n.FDName != "" && !fdName(n.FDName) {
			t.Fatalf("FDNAME %q accepted", n.FDName)
		}
	})
}
