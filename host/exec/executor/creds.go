package executor

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The executor resolves User=, Group= and SupplementaryGroups= from /etc/passwd and /etc/group itself (the core
// is a static binary: no NSS). Numeric ids are taken as they are, with or without an entry.

// passwdEntry is one line of /etc/passwd.
type passwdEntry struct {
	name       string
	uid, gid   int
	home, shll string
}

// groupEntry is one line of /etc/group.
type groupEntry struct {
	name string
	gid  int
}

var (
	passwdFile = "/etc/passwd"
	groupFile  = "/etc/group"
)

// readColon calls fn with the fields of every non-comment line of path that has at least n fields.
func readColon(path string, n int, fn func([]string) bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Split(line, ":")
		if len(fields) < n {
			continue
		}
		if fn(fields) {
			return nil
		}
	}
	return sc.Err()
}

// lookupUser finds a user by name or numeric id.
func lookupUser(spec string) (*passwdEntry, error) {
	id, numErr := strconv.Atoi(spec)
	var found *passwdEntry
	err := readColon(passwdFile, 7, func(f []string) bool {
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			return false
		}
		if f[0] == spec || (numErr == nil && uid == id) {
			found = &passwdEntry{name: f[0], uid: uid, gid: gid, home: f[5], shll: f[6]}
			return true
		}
		return false
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if found != nil {
		return found, nil
	}
	if numErr == nil && id >= 0 {
		// A numeric id without an entry: systemd's defaults for it.
		return &passwdEntry{name: spec, uid: id, gid: id, home: "/", shll: "/usr/sbin/nologin"}, nil
	}
	return nil, fmt.Errorf("user %q not found in %s", spec, passwdFile)
}

// lookupGroup finds a group by name or numeric id.
func lookupGroup(spec string) (*groupEntry, error) {
	id, numErr := strconv.Atoi(spec)
	var found *groupEntry
	err := readColon(groupFile, 4, func(f []string) bool {
		gid, err := strconv.Atoi(f[2])
		if err != nil {
			return false
		}
		if f[0] == spec || (numErr == nil && gid == id) {
			found = &groupEntry{name: f[0], gid: gid}
			return true
		}
		return false
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if found != nil {
		return found, nil
	}
	if numErr == nil && id >= 0 {
		return &groupEntry{name: spec, gid: id}, nil
	}
	return nil, fmt.Errorf("group %q not found in %s", spec, groupFile)
}

// memberOf lists the gids of the groups in /etc/group that name user as a member (initgroups without the
// primary group).
func memberOf(user string) ([]int, error) {
	var gids []int
	err := readColon(groupFile, 4, func(f []string) bool {
		gid, err := strconv.Atoi(f[2])
		if err != nil {
			return false
		}
		for _, m := range strings.Split(f[3], ",") {
			if m == user {
				gids = append(gids, gid)
				break
			}
		}
		return false
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	return gids, nil
}
