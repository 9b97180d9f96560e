package listen

import (
	"fmt"
	"math"
	"os/user"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/bytesize"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
)

// options are an OpenSocket's options, parsed. Zero values mean "leave the kernel's default", as in systemd,
// which sets a socket option only when the setting asks for something.
type options struct {
	backlog       int
	socketMode    uint32
	directoryMode uint32
	socketUser    string // as written; resolved when the socket exists
	socketGroup   string
	bindIPv6Only  string // "default", "both" or "ipv6-only"
	bindToDevice  string
	symlinks      []string
	removeOnStop  bool

	freeBind, transparent, reusePort, broadcast bool
	keepAlive, noDelay                          bool
	passCredentials, passSecurity, passPktInfo  bool
	keepAliveTime, keepAliveInterval            int // seconds
	keepAliveProbes, deferAccept                int // count, seconds
	receiveBuffer, sendBuffer                   int
	priority, mark, ipTOS, ipTTL                int
	hasPriority, hasMark, hasIPTOS, hasIPTTL    bool
	timestamping                                string // "", "us" or "ns"
	tcpCongestion                               string
}

// Defaults as systemd's: a backlog the kernel caps at net.core.somaxconn (systemd's SOMAXCONN_DELUXE), sockets
// rw for everyone, parent directories 0755.
func defaultOptions() options {
	return options{backlog: math.MaxInt32, socketMode: 0o666, directoryMode: 0o755, bindIPv6Only: "default"}
}

type optionParser func(o *options, v string) error

// optionParsers are the options Open knows, by their systemd.socket names.
var optionParsers = map[string]optionParser{
	"Backlog": func(o *options, v string) error {
		n, err := parseUint32(v)
		if err != nil {
			return fmt.Errorf("not an unsigned 32-bit integer")
		}
		o.backlog = int(min(n, math.MaxInt32)) // listen() takes an int; the kernel caps it at somaxconn anyway
		return nil
	},
	"SocketMode":    func(o *options, v string) error { return parseMode(v, &o.socketMode) },
	"DirectoryMode": func(o *options, v string) error { return parseMode(v, &o.directoryMode) },
	"SocketUser":    func(o *options, v string) error { return parseName(v, &o.socketUser) },
	"SocketGroup":   func(o *options, v string) error { return parseName(v, &o.socketGroup) },
	"BindIPv6Only": func(o *options, v string) error {
		switch v {
		case "default", "both", "ipv6-only":
			o.bindIPv6Only = v
			return nil
		}
		// systemd also takes a boolean: yes is ipv6-only, no is both.
		b, err := unitfile.ParseBool(v)
		if err != nil {
			return fmt.Errorf("not default, both or ipv6-only")
		}
		o.bindIPv6Only = map[bool]string{true: "ipv6-only", false: "both"}[b]
		return nil
	},
	"BindToDevice": func(o *options, v string) error {
		if v != "" && !validIfName(v) {
			return fmt.Errorf("not an interface name")
		}
		o.bindToDevice = v
		return nil
	},
	"Symlinks": func(o *options, v string) error {
		o.symlinks = strings.Fields(v)
		for _, p := range o.symlinks {
			if !strings.HasPrefix(p, "/") {
				return fmt.Errorf("%q is not an absolute path", p)
			}
		}
		return nil
	},
	"RemoveOnStop":     boolOption(func(o *options) *bool { return &o.removeOnStop }),
	"FreeBind":         boolOption(func(o *options) *bool { return &o.freeBind }),
	"Transparent":      boolOption(func(o *options) *bool { return &o.transparent }),
	"ReusePort":        boolOption(func(o *options) *bool { return &o.reusePort }),
	"Broadcast":        boolOption(func(o *options) *bool { return &o.broadcast }),
	"KeepAlive":        boolOption(func(o *options) *bool { return &o.keepAlive }),
	"NoDelay":          boolOption(func(o *options) *bool { return &o.noDelay }),
	"PassCredentials":  boolOption(func(o *options) *bool { return &o.passCredentials }),
	"PassSecurity":     boolOption(func(o *options) *bool { return &o.passSecurity }),
	"PassPacketInfo":   boolOption(func(o *options) *bool { return &o.passPktInfo }),
	"KeepAliveTimeSec": secondsOption(func(o *options) *int { return &o.keepAliveTime }),
	"KeepAliveIntervalSec": secondsOption(func(o *options) *int {
		return &o.keepAliveInterval
	}),
	"DeferAcceptSec":  secondsOption(func(o *options) *int { return &o.deferAccept }),
	"KeepAliveProbes": func(o *options, v string) error { return parseInt(v, 0, math.MaxInt32, &o.keepAliveProbes) },
	"ReceiveBuffer":   func(o *options, v string) error { return parseSize(v, &o.receiveBuffer) },
	"SendBuffer":      func(o *options, v string) error { return parseSize(v, &o.sendBuffer) },
	"Priority": func(o *options, v string) error {
		o.hasPriority = true
		return parseInt(v, 0, math.MaxInt32, &o.priority)
	},
	"Mark": func(o *options, v string) error {
		o.hasMark = true
		return parseInt(v, 0, math.MaxInt32, &o.mark)
	},
	"IPTOS": func(o *options, v string) error {
		o.hasIPTOS = true
		return parseInt(v, 0, 255, &o.ipTOS)
	},
	"IPTTL": func(o *options, v string) error {
		o.hasIPTTL = true
		return parseInt(v, 1, 255, &o.ipTTL)
	},
	"Timestamping": func(o *options, v string) error {
		switch v {
		case "off":
			o.timestamping = ""
		case "us", "usec", "µs", "μs":
			o.timestamping = "us"
		case "ns", "nsec":
			o.timestamping = "ns"
		default:
			return fmt.Errorf("not off, us or ns")
		}
		return nil
	},
	"TCPCongestion": func(o *options, v string) error {
		if len(v) >= 16 || strings.ContainsAny(v, " \t/") { // TCP_CA_NAME_MAX
			return fmt.Errorf("not a congestion control algorithm name")
		}
		o.tcpCongestion = v
		return nil
	},
	// The manager names the fds it passes with this; nothing to do with the socket itself.
	"FileDescriptorName": func(*options, string) error { return nil },
}

// parseOptions parses and checks m. Errors name the option and its value.
func parseOptions(m map[string]string) (options, error) {
	o := defaultOptions()
	// Sorted, so that the error for a spec with several bad options is always the same.
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		parse, ok := optionParsers[k]
		if !ok {
			return o, fmt.Errorf("unknown socket option %s=", k)
		}
		if err := parse(&o, m[k]); err != nil {
			return o, fmt.Errorf("%s=%s: %v", k, m[k], err)
		}
	}
	return o, nil
}

func boolOption(field func(*options) *bool) optionParser {
	return func(o *options, v string) error {
		b, err := unitfile.ParseBool(v)
		*field(o) = b
		return err
	}
}

// secondsOption parses a time span (a bare number is seconds) into whole seconds, as the TCP options take them.
func secondsOption(field func(*options) *int) optionParser {
	return func(o *options, v string) error {
		d, err := timespan.Parse(v)
		if err != nil || d < 0 {
			return fmt.Errorf("not a time span")
		}
		s := (d + time.Second - 1) / time.Second // systemd rounds up: 1ms is 1s, not "unset"
		if s > math.MaxInt32 {
			return fmt.Errorf("too long")
		}
		*field(o) = int(s)
		return nil
	}
}

func parseInt(v string, lo, hi int, dst *int) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("not an integer from %d to %d", lo, hi)
	}
	*dst = n
	return nil
}

func parseSize(v string, dst *int) error {
	n, err := bytesize.Parse(v)
	if err != nil || n == 0 || n > math.MaxInt32 {
		return fmt.Errorf("not a size from 1 byte to 2G")
	}
	*dst = int(n)
	return nil
}

func parseMode(v string, dst *uint32) error {
	n, err := strconv.ParseUint(v, 8, 32)
	if err != nil || n > 0o7777 {
		return fmt.Errorf("not an octal file mode")
	}
	*dst = uint32(n)
	return nil
}

func parseName(v string, dst *string) error {
	if v == "" || strings.ContainsAny(v, " \t\n:/") {
		return fmt.Errorf("not a user or group name or number")
	}
	*dst = v
	return nil
}

// owner resolves SocketUser= and SocketGroup= to ids, -1 for "unchanged". Like systemd, a user without a group
// gives the user's primary group. Numbers need no entry in the user database.
func (o *options) owner() (uid, gid int, err error) {
	uid, gid = -1, -1
	if o.socketUser != "" {
		var u *user.User
		if n, ok := atoiID(o.socketUser); ok {
			uid = n
			u, _ = user.LookupId(o.socketUser)
		} else if u, err = user.Lookup(o.socketUser); err != nil {
			return -1, -1, fmt.Errorf("SocketUser=%s: %v", o.socketUser, err)
		} else {
			uid, _ = atoiID(u.Uid)
		}
		if u != nil {
			if g, ok := atoiID(u.Gid); ok {
				gid = g
			}
		}
	}
	if o.socketGroup != "" {
		if n, ok := atoiID(o.socketGroup); ok {
			gid = n
		} else if g, err := user.LookupGroup(o.socketGroup); err != nil {
			return -1, -1, fmt.Errorf("SocketGroup=%s: %v", o.socketGroup, err)
		} else {
			gid, _ = atoiID(g.Gid)
		}
	}
	return uid, gid, nil
}

func atoiID(s string) (int, bool) {
	if !allDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == math.MaxUint32 { // (uid_t)-1 is "no change", not a user
		return 0, false
	}
	return int(n), true
}
