package unitname

import "strings"

// Limits of a path, as the kernel has them (PATH_MAX, NAME_MAX).
const (
	pathMax = 4096
	nameMax = 255
)

// simplify removes doubled and trailing slashes, "." components and ".." components right after the root, as
// systemd's path_simplify does: "///foo//./bar/." → "/foo/bar", "/../foo/.." → "/foo/..". Other ".." stay.
// A relative path of nothing but dots is ".".
func simplify(p string) string {
	abs := strings.HasPrefix(p, "/")
	var parts []string
	for _, c := range strings.Split(p, "/") {
		switch {
		case c == "" || c == ".":
		case c == ".." && abs && len(parts) == 0:
		default:
			parts = append(parts, c)
		}
	}
	s := strings.Join(parts, "/")
	switch {
	case abs:
		return "/" + s
	case s == "" && p != "":
		return "."
	}
	return s
}

// PathValid reports a path the kernel would take: not empty, not too long, no component over NAME_MAX.
func PathValid(p string) bool {
	if p == "" || len(p) >= pathMax {
		return false
	}
	for _, c := range strings.Split(p, "/") {
		if len(c) > nameMax {
			return false
		}
	}
	return true
}

// PathNormalized reports a valid path without "..", "." or doubled slashes (systemd's path_is_normalized).
func PathNormalized(p string) bool {
	if !PathValid(p) || p == "." || strings.HasPrefix(p, "./") || strings.HasSuffix(p, "/.") ||
		strings.Contains(p, "//") || strings.Contains(p, "/./") {
		return false
	}
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return false
		}
	}
	return true
}

// isDevicePath reports a simplified path under /dev/ or /sys/ with something after the prefix.
func isDevicePath(p string) bool {
	for _, pre := range []string{"/dev/", "/sys/"} {
		if strings.HasPrefix(p, pre) && len(p) > len(pre) {
			return true
		}
	}
	return false
}
