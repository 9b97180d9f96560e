package device

import (
	"fmt"
	"slices"
	"strings"
)

// Devlinks returns the device's /dev symlinks (absolute paths) in the order they were added.
func (d *Device) Devlinks() []string { return slices.Clone(d.devlinks) }

// AddDevlink adds a /dev symlink. The path is made absolute below /dev and simplified; a path outside /dev, with
// "..", or naming /dev itself is refused.
func (d *Device) AddDevlink(link string) error {
	p, err := CleanDevlink(link)
	if err != nil {
		return err
	}
	if !slices.Contains(d.devlinks, p) {
		d.devlinks = append(d.devlinks, p)
	}
	return nil
}

// RemoveDevlink removes a /dev symlink added before (the same cleaning applies).
func (d *Device) RemoveDevlink(link string) {
	if p, err := CleanDevlink(link); err == nil {
		d.devlinks = slices.DeleteFunc(d.devlinks, func(s string) bool { return s == p })
	}
}

// ClearDevlinks forgets every symlink (SYMLINK="…").
func (d *Device) ClearDevlinks() { d.devlinks = nil }

// CleanDevlink turns a SYMLINK value into an absolute, simplified path below /dev.
func CleanDevlink(link string) (string, error) {
	p := link
	if !strings.HasPrefix(p, "/") {
		p = "/dev/" + p
	}
	var parts []string
	for _, e := range strings.Split(p, "/") {
		switch e {
		case "", ".":
		case "..":
			return "", fmt.Errorf("device: symlink %q: contains \"..\"", link)
		default:
			parts = append(parts, e)
		}
	}
	if len(parts) < 2 || parts[0] != "dev" {
		return "", fmt.Errorf("device: symlink %q: not below /dev", link)
	}
	return "/" + strings.Join(parts, "/"), nil
}

// Tags returns every tag the device has had since it appeared (udev's G: entries).
func (d *Device) Tags() []string { return slices.Clone(d.tags) }

// CurrentTags returns the tags set by the last event (udev's Q: entries).
func (d *Device) CurrentTags() []string { return slices.Clone(d.currentTags) }

// ValidTag says whether a tag name is acceptable: non-empty, letters, digits, '-' and '_'.
func ValidTag(t string) bool {
	if t == "" {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// AddTag adds a tag (to the current and the sticky set).
func (d *Device) AddTag(t string) error {
	if !ValidTag(t) {
		return fmt.Errorf("device: invalid tag %q", t)
	}
	if !slices.Contains(d.tags, t) {
		d.tags = append(d.tags, t)
	}
	if !slices.Contains(d.currentTags, t) {
		d.currentTags = append(d.currentTags, t)
	}
	return nil
}

// AddStickyTag adds a tag kept from an earlier event (the database's G: entry) without making it current.
func (d *Device) AddStickyTag(t string) {
	if ValidTag(t) && !slices.Contains(d.tags, t) {
		d.tags = append(d.tags, t)
	}
}

// RemoveTag removes a tag from the current set.
func (d *Device) RemoveTag(t string) {
	d.currentTags = slices.DeleteFunc(d.currentTags, func(s string) bool { return s == t })
}

// ClearTags removes every current tag (TAG="…").
func (d *Device) ClearTags() { d.currentTags = nil }
