package adm

import (
	"fmt"

	"golang.org/x/sys/unix"
)

type unixStat struct {
	block        bool
	major, minor uint32
}

func stat(name string, st *unixStat) error {
	var s unix.Stat_t
	if err := unix.Stat(name, &s); err != nil {
		return err
	}
	switch s.Mode & unix.S_IFMT {
	case unix.S_IFBLK:
		st.block = true
	case unix.S_IFCHR:
	default:
		return fmt.Errorf("%s: not a device node", name)
	}
	st.major, st.minor = unix.Major(uint64(s.Rdev)), unix.Minor(uint64(s.Rdev))
	return nil
}
