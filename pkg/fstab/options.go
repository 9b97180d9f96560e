package fstab

import "strings"

// split returns the comma-separated options of an fstab options field.
func split(opts string) []string {
	if opts == "" {
		return nil
	}
	return strings.Split(opts, ",")
}

// Has reports whether opts holds one of names as a whole option ("nofail", "x-systemd.automount").
func Has(opts string, names ...string) bool {
	for _, o := range split(opts) {
		for _, n := range names {
			if o == n {
				return true
			}
		}
	}
	return false
}

// YesNo reports whether the last of yes and no in opts is yes ("noauto" against "auto"); neither is false.
func YesNo(opts, yes, no string) bool {
	r := false
	for _, o := range split(opts) {
		switch o {
		case yes:
			r = true
		case no:
			r = false
		}
	}
	return r
}

// Values returns the values of every name=value option of one of names, in order.
func Values(opts string, names ...string) []string {
	var out []string
	for _, o := range split(opts) {
		for _, n := range names {
			if v, ok := strings.CutPrefix(o, n+"="); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// Value returns the value of the last name=value option of one of names: the one that counts.
func Value(opts string, names ...string) (string, bool) {
	v := Values(opts, names...)
	if len(v) == 0 {
		return "", false
	}
	return v[len(v)-1], true
}

// Filter returns opts without the options named (as a flag or as name=value).
func Filter(opts string, names ...string) string {
	var keep []string
	for _, o := range split(opts) {
		drop := false
		for _, n := range names {
			if o == n || strings.HasPrefix(o, n+"=") {
				drop = true
			}
		}
		if !drop {
			keep = append(keep, o)
		}
	}
	return strings.Join(keep, ",")
}

// Options are the systemd options of an fstab entry (man systemd.mount, "FSTAB").
type Options struct {
	NoAuto    bool // noauto (the last of noauto/auto wins): not pulled in by local-fs.target
	NoFail    bool // nofail (the last of nofail/fail wins): wanted, not required, and not ordered before it
	Automount bool // x-systemd.automount (or comment=systemd.automount)
	MakeFS    bool // x-systemd.makefs
	GrowFS    bool // x-systemd.growfs
	RWOnly    bool // x-systemd.rw-only: ReadWriteOnly=yes
	Netdev    bool // _netdev: a network file system whatever its type

	Requires          []string // x-systemd.requires=
	After, Before     []string // x-systemd.after=, x-systemd.before=
	WantedBy          []string // x-systemd.wanted-by=
	RequiredBy        []string // x-systemd.required-by=
	RequiresMountsFor []string // x-systemd.requires-mounts-for=

	// The time spans as written; "" when absent. The last one counts.
	DeviceTimeout string // x-systemd.device-timeout= (or comment=systemd.device-timeout=)
	MountTimeout  string // x-systemd.mount-timeout=
	IdleTimeout   string // x-systemd.idle-timeout= (or comment=systemd.idle-timeout=)
}

// ParseOptions reads the systemd options of an options field; swap entries take no automount or rw-only.
func ParseOptions(opts string, swap bool) Options {
	o := Options{
		NoAuto:            YesNo(opts, "noauto", "auto"),
		NoFail:            YesNo(opts, "nofail", "fail"),
		MakeFS:            Has(opts, "x-systemd.makefs"),
		GrowFS:            Has(opts, "x-systemd.growfs"),
		Netdev:            Has(opts, "_netdev"),
		Requires:          Values(opts, "x-systemd.requires"),
		After:             Values(opts, "x-systemd.after"),
		Before:            Values(opts, "x-systemd.before"),
		WantedBy:          Values(opts, "x-systemd.wanted-by"),
		RequiredBy:        Values(opts, "x-systemd.required-by"),
		RequiresMountsFor: Values(opts, "x-systemd.requires-mounts-for"),
	}
	if !swap {
		o.RWOnly = Has(opts, "x-systemd.rw-only")
		o.Automount = Has(opts, "x-systemd.automount", "comment=systemd.automount")
	}
	o.DeviceTimeout, _ = Value(opts, "x-systemd.device-timeout", "comment=systemd.device-timeout")
	o.MountTimeout, _ = Value(opts, "x-systemd.mount-timeout")
	o.IdleTimeout, _ = Value(opts, "x-systemd.idle-timeout", "comment=systemd.idle-timeout")
	return o
}
