package exposure

import (
	"strings"
	"testing"
)

func rowOf(t *testing.T, r Result, name string) Row {
	t.Helper()
	for _, row := range r.Rows {
		if row.Name == name {
			return row
		}
	}
	t.Fatalf("no row %s", name)
	return Row{}
}

func TestAssess(t *testing.T) {
	// Nothing set: systemd rates such a service 9.6 UNSAFE (dbus.service of Debian 12).
	bare := Assess(FromProperties(map[string]string{"KeyringMode": "private", "UMask": "0022"}))
	if bare.Exposure != 96 || bare.Level.Name != "UNSAFE" || len(bare.Rows) != 81 {
		t.Errorf("bare: %d %s, %d rows", bare.Exposure, bare.Level.Name, len(bare.Rows))
	}
	// A tight sandbox; PrivateDevices= takes CAP_MKNOD out, ProtectSystem= implies PrivateMounts=.
	tight := FromProperties(map[string]string{"User": "daemon", "PrivateDevices": "yes", "ProtectSystem": "strict",
		"ProtectHome": "yes", "RestrictAddressFamilies": "AF_UNIX", "RestrictNamespaces": "yes",
		"SystemCallFilter": "read write", "SystemCallArchitectures": "native", "CapabilityBoundingSet": "CAP_MKNOD",
		"UMask": "0077", "DefaultDependencies": "yes", "UnenforcedDirectives": "IPAddressDeny="})
	r := Assess(tight)
	for name, want := range map[string]bool{"PrivateMounts=": true, "CapabilityBoundingSet=~CAP_MKNOD": true,
		"RestrictAddressFamilies=~AF_UNIX": false, "RestrictAddressFamilies=~AF_(INET|INET6)": true,
		"SystemCallFilter=~@mount": true, "RestrictNamespaces=~user": true, "User=/DynamicUser=": true,
		"IPAddressDeny=": false} {
		if row := rowOf(t, r, name); row.Set == nil || *row.Set != want {
			t.Errorf("%s: %+v, want %v", name, row, want)
		}
	}
	if row := rowOf(t, r, "IPAddressDeny="); !row.NotEnforced || !strings.Contains(row.Description, "not enforced") {
		t.Errorf("%+v", row)
	}
	if row := rowOf(t, r, "SupplementaryGroups="); row.Set == nil || !*row.Set {
		t.Errorf("%+v", row)
	}
	if r.Exposure >= bare.Exposure || r.Level.Name == "UNSAFE" {
		t.Errorf("tight: %d %s", r.Exposure, r.Level.Name)
	}
	// A service in a special boot phase is not rated on the file-system settings.
	early := Assess(FromProperties(map[string]string{"DefaultDependencies": "no"}))
	if row := rowOf(t, early, "ProtectSystem="); row.Set != nil || !strings.Contains(row.Description, "special boot phase") {
		t.Errorf("%+v", row)
	}
}

func FuzzFromProperties(f *testing.F) {
	f.Add("RestrictAddressFamilies", "~AF_INET AF_BOGUS", "UMask", "7777")
	f.Add("SystemCallFilter", "~@mount", "CapabilityBoundingSet", "cap_sys_admin x")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		r := Assess(FromProperties(map[string]string{k1: v1, k2: v2}))
		if r.Exposure > 100 || r.Level.Name == "" || len(r.Rows) != len(checks) {
			t.Fatalf("%q=%q %q=%q: %d %q", k1, v1, k2, v2, r.Exposure, r.Level.Name)
		}
	})
}
