package notify

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A Notice is what a service said in one notification, limited to the fields a service manager acts on. The
// zero value means the service said nothing of interest. Fields that can be sent with an empty or zero value
// are pointers, nil when the field was not sent.
type Notice struct {
	Ready     bool // READY=1
	Reloading bool // RELOADING=1
	Stopping  bool // STOPPING=1

	// Status is STATUS=, the free-form status line; an empty string clears the unit's status.
	Status *string
	// Errno is ERRNO=, the errno-style reason of a failure, 0…4095.
	Errno *int
	// BusError is BUSERROR=, a D-Bus error name describing a failure; "" when not sent.
	BusError string
	// MainPID is MAINPID=, the service's main process, a pid > 0. Whether to believe it is the caller's call.
	MainPID *int

	Watchdog        bool // WATCHDOG=1: the watchdog is fed
	WatchdogTrigger bool // WATCHDOG=trigger: act as if the watchdog had expired
	// WatchdogUSec is WATCHDOG_USEC=, a new watchdog timeout in µs for this run of the service.
	WatchdogUSec *uint64
	// ExtendTimeoutUSec is EXTEND_TIMEOUT_USEC=: the current start, stop or runtime timeout is extended to
	// at least this many µs from now.
	ExtendTimeoutUSec *uint64
	// MonotonicUSec is MONOTONIC_USEC=, CLOCK_MONOTONIC at the moment of a RELOADING=1.
	MonotonicUSec *uint64

	FDStore       bool // FDSTORE=1: the datagram's descriptors are to be stored
	FDStoreRemove bool // FDSTOREREMOVE=1: the stored descriptors named FDName are to be removed
	// FDName is FDNAME=, the name of the descriptors stored or removed; "" when not sent.
	FDName string
	// FDPollOff is FDPOLL=0: the stored descriptors are not to be watched for errors/hangup.
	FDPollOff bool

	// NotifyAccess is NOTIFYACCESS=, one of "none", "main", "exec", "all"; "" when not sent.
	NotifyAccess string
}

// A FieldError is a field Parse understood the key of but not the value.
type FieldError struct {
	Field string // the whole field, "MAINPID=abc"
	Err   error  // what is wrong with its value
}

func (e *FieldError) Error() string { return "notify: " + shown(e.Field) + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Reasons wrapped by FieldError.
var (
	ErrNotPid       = errors.New("not a pid")
	ErrNotErrno     = errors.New("not an errno (0…4095)")
	ErrNotUSec      = errors.New("not a number of microseconds")
	ErrNotUTF8      = errors.New("not valid UTF-8")
	ErrBadFDName    = errors.New("not a valid name (1…255 printable ASCII characters, no ':')")
	ErrBadAccess    = errors.New("not one of none, main, exec, all")
	ErrBadBusError  = errors.New("not a D-Bus error name")
	ErrUnknownValue = errors.New("value not understood")
	ErrNoValue      = errors.New("no '=' and value")
)

// Limits on values, as systemd's.
const (
	errnoMax  = 4095
	fdNameMax = 255
	pidMax    = 1<<22 - 1 // PID_MAX_LIMIT - 1
)

// Parse interprets the fields of one message. Unknown keys, and fields without '=' that are not a known key,
// are ignored, as systemd does, so that services may send fields meant for others. A known key with a value
// that cannot be understood is left out of the Notice and reported in the errors, one per field, for the caller
// to log; the rest of the message still counts.
//
// When a key that carries a value appears more than once, the first occurrence decides, as in systemd; a flag
// such as READY=1 counts wherever it appears.
func Parse(fields []string) (Notice, []error) {
	var n Notice
	var errs []error
	seen := make(map[string]bool)
	for _, field := range fields {
		key, value, ok := strings.Cut(field, "=")
		if !ok {
			if _, known := keys[field]; known {
				errs = append(errs, &FieldError{Field: field, Err: ErrNoValue})
			}
			continue
		}
		apply, known := keys[key]
		if !known {
			continue
		}
		if valued[key] {
			if seen[key] {
				continue
			}
			seen[key] = true
		}
		if err := apply(&n, value); err != nil {
			errs = append(errs, &FieldError{Field: field, Err: err})
		}
	}
	return n, errs
}

// keys maps each field name Parse knows to the function that applies its value.
var keys = map[string]func(*Notice, string) error{
	"READY":         flag(func(n *Notice) { n.Ready = true }),
	"RELOADING":     flag(func(n *Notice) { n.Reloading = true }),
	"STOPPING":      flag(func(n *Notice) { n.Stopping = true }),
	"FDSTORE":       flag(func(n *Notice) { n.FDStore = true }),
	"FDSTOREREMOVE": flag(func(n *Notice) { n.FDStoreRemove = true }),
	"WATCHDOG": func(n *Notice, v string) error {
		switch v {
		case "1":
			n.Watchdog = true
		case "trigger":
			n.WatchdogTrigger = true
		default:
			return ErrUnknownValue
		}
		return nil
	},
	"FDPOLL": func(n *Notice, v string) error {
		switch v {
		case "0":
			n.FDPollOff = true
		case "1":
		default:
			return ErrUnknownValue
		}
		return nil
	},
	"STATUS": func(n *Notice, v string) error {
		if !utf8.ValidString(v) {
			return ErrNotUTF8
		}
		n.Status = &v
		return nil
	},
	"ERRNO": func(n *Notice, v string) error {
		e, err := strconv.ParseUint(v, 10, 16)
		if err != nil || e > errnoMax {
			return ErrNotErrno
		}
		i := int(e)
		n.Errno = &i
		return nil
	},
	"BUSERROR": func(n *Notice, v string) error {
		if !busErrorName(v) {
			return ErrBadBusError
		}
		n.BusError = v
		return nil
	},
	"MAINPID": func(n *Notice, v string) error {
		p, err := strconv.ParseUint(v, 10, 32)
		if err != nil || p == 0 || p > pidMax {
			return ErrNotPid
		}
		i := int(p)
		n.MainPID = &i
		return nil
	},
	"WATCHDOG_USEC":       usec(func(n *Notice) **uint64 { return &n.WatchdogUSec }),
	"EXTEND_TIMEOUT_USEC": usec(func(n *Notice) **uint64 { return &n.ExtendTimeoutUSec }),
	"MONOTONIC_USEC":      usec(func(n *Notice) **uint64 { return &n.MonotonicUSec }),
	"FDNAME": func(n *Notice, v string) error {
		if !fdName(v) {
			return ErrBadFDName
		}
		n.FDName = v
		return nil
	},
	"NOTIFYACCESS": func(n *Notice, v string) error {
		switch v {
		case "none", "main", "exec", "all":
			n.NotifyAccess = v
			return nil
		}
		return ErrBadAccess
	},
}

// valued holds the keys whose first occurrence decides; the others are flags that may be repeated.
var valued = map[string]bool{
	"STATUS": true, "ERRNO": true, "BUSERROR": true, "MAINPID": true, "WATCHDOG_USEC": true,
	"EXTEND_TIMEOUT_USEC": true, "MONOTONIC_USEC": true, "FDNAME": true, "NOTIFYACCESS": true,
}

// flag is a key whose only meaningful value is "1", as in systemd, which looks for "READY=1" and ignores
// "READY=0"; other values are reported here so that a mistaken service shows up in the log.
func flag(set func(*Notice)) func(*Notice, string) error {
	return func(n *Notice, v string) error {
		if v != "1" {
			return ErrUnknownValue
		}
		set(n)
		return nil
	}
}

// usec is a key holding a decimal number of microseconds.
func usec(field func(*Notice) **uint64) func(*Notice, string) error {
	return func(n *Notice, v string) error {
		u, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return ErrNotUSec
		}
		*field(n) = &u
		return nil
	}
}

// fdName reports whether s may name stored descriptors (and so appear in $LISTEN_FDNAMES): 1 to 255 ASCII
// characters, none of them a control character or ':'.
func fdName(s string) bool {
	if s == "" || len(s) > fdNameMax {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// busErrorName reports whether s has the form of a D-Bus error name: at most 255 bytes, two or more elements
// separated by '.', each of [A-Za-z0-9_] not starting with a digit.
func busErrorName(s string) bool {
	if len(s) > 255 {
		return false
	}
	elems := strings.Split(s, ".")
	if len(elems) < 2 {
		return false
	}
	for _, e := range elems {
		if e == "" || (e[0] >= '0' && e[0] <= '9') {
			return false
		}
		for i := 0; i < len(e); i++ {
			c := e[i]
			if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}

// shown makes a field fit for a log line: control and invalid bytes escaped, long values cut.
func shown(s string) string {
	const max = 80
	cut := ""
	if len(s) > max {
		s, cut = s[:max], "…"
	}
	for _, r := range s {
		if r == utf8.RuneError || r < ' ' || r == 0x7f {
			q := strconv.QuoteToASCII(s)
			return q[1:len(q)-1] + cut
		}
	}
	return s + cut
}
