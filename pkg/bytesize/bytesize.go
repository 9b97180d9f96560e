// Package bytesize parses byte sizes as systemd's unit files write them (man systemd.resource-control,
// systemd.exec): "512", "4K", "1.5M", "2G", with binary suffixes K, M, G, T, P, E (base 1024) and an optional
// trailing "B" ("4KB" is 4096, "10B" is 10).
package bytesize

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

var suffixes = map[byte]uint{'K': 10, 'M': 20, 'G': 30, 'T': 40, 'P': 50, 'E': 60}

// Parse parses a size in bytes. A fraction is allowed before a suffix ("1.5G"); the result is rounded down to
// a whole byte. It does not accept "infinity": callers that do check for it first.
func Parse(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(t, "B")
	shift := uint(0)
	if t != "" {
		if sh, ok := suffixes[t[len(t)-1]]; ok {
			shift = sh
			t = strings.TrimRight(t[:len(t)-1], " ")
		}
	}
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" && frac == "" || !digits(whole) || !digits(frac) || hasDot && shift == 0 && strings.Trim(frac, "0") != "" {
		return 0, fmt.Errorf("bytesize: %q is not a size", s)
	}
	var w uint64
	if whole != "" {
		var err error
		if w, err = strconv.ParseUint(whole, 10, 64); err != nil {
			return 0, fmt.Errorf("bytesize: %q is out of range", s)
		}
	}
	if shift > 0 && w > (^uint64(0))>>shift {
		return 0, fmt.Errorf("bytesize: %q is out of range", s)
	}
	v := w << shift
	if frac != "" && shift > 0 {
		// frac/10^len(frac) of 2^shift bytes: at most 18 digits keep 10^n within uint64.
		if len(frac) > 18 {
			frac = frac[:18]
		}
		f, _ := strconv.ParseUint(frac, 10, 64)
		den := uint64(1)
		for range len(frac) {
			den *= 10
		}
		hi, lo := bits.Mul64(f, uint64(1)<<shift)
		q, _ := bits.Div64(hi, lo, den)
		if v+q < v {
			return 0, fmt.Errorf("bytesize: %q is out of range", s)
		}
		v += q
	}
	return v, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
