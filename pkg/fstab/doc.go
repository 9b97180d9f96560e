// Package fstab reads /etc/fstab (man fstab) and the systemd options its entries carry (man systemd.mount,
// "FSTAB"): the fstab generator turns entries into units with it, and the mount plugin reads the same options
// from a unit's Options=.
//
//	entries, problems := fstab.Parse("/etc/fstab", f)
//	for _, p := range problems {
//		log.Print(p) // "/etc/fstab:3: ..."; the line is skipped, the others are kept
//	}
//	for _, e := range entries {
//		o := fstab.ParseOptions(e.Options)
//		_ = o.NoFail
//	}
package fstab
