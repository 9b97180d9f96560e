package uevent

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Message is one device event: its properties in the order they were sent. ACTION, DEVPATH and SUBSYSTEM are
// always among them; SEQNUM for events from the kernel and udevd.
type Message struct {
	Keys   []string
	Values map[string]string
}

// NewMessage returns an empty Message.
func NewMessage() *Message { return &Message{Values: map[string]string{}} }

// Get returns a property ("" when missing).
func (m *Message) Get(k string) string { return m.Values[k] }

// Set sets a property, keeping the order of first appearance.
func (m *Message) Set(k, v string) {
	if _, ok := m.Values[k]; !ok {
		m.Keys = append(m.Keys, k)
	}
	m.Values[k] = v
}

// Action, Devpath, Subsystem and Devtype are the properties every event is sorted and filtered by.
func (m *Message) Action() string    { return m.Values["ACTION"] }
func (m *Message) Devpath() string   { return m.Values["DEVPATH"] }
func (m *Message) Subsystem() string { return m.Values["SUBSYSTEM"] }
func (m *Message) Devtype() string   { return m.Values["DEVTYPE"] }

// Seqnum is the kernel's sequence number of the event (0 when missing or invalid).
func (m *Message) Seqnum() uint64 {
	n, _ := strconv.ParseUint(m.Values["SEQNUM"], 10, 64)
	return n
}

// Tags are the names in TAGS (":a:b:").
func (m *Message) Tags() []string {
	var t []string
	for _, s := range strings.Split(m.Values["TAGS"], ":") {
		if s != "" {
			t = append(t, s)
		}
	}
	return t
}

// ErrMalformed is returned for a message that is neither a kernel nor a libudev event.
var ErrMalformed = errors.New("uevent: malformed message")

// ParseKernel reads a kernel uevent: "action@devpath", then NUL-separated KEY=value properties, which must include
// ACTION, DEVPATH and SUBSYSTEM agreeing with the header.
func ParseKernel(b []byte) (*Message, error) {
	head, rest, ok := bytes.Cut(b, []byte{0})
	if !ok {
		return nil, fmt.Errorf("%w: no header", ErrMalformed)
	}
	action, devpath, ok := strings.Cut(string(head), "@")
	if !ok || action == "" || !strings.HasPrefix(devpath, "/") {
		return nil, fmt.Errorf("%w: header %q", ErrMalformed, head)
	}
	m, err := parseProperties(rest)
	if err != nil {
		return nil, err
	}
	if m.Action() != action || m.Devpath() != devpath {
		return nil, fmt.Errorf("%w: header %q does not match ACTION/DEVPATH", ErrMalformed, head)
	}
	return m, nil
}

// parseProperties reads NUL-separated KEY=value strings and checks the required ones.
func parseProperties(b []byte) (*Message, error) {
	m := NewMessage()
	for len(b) > 0 {
		var f []byte
		f, b, _ = bytes.Cut(b, []byte{0})
		if len(f) == 0 {
			continue
		}
		k, v, ok := strings.Cut(string(f), "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%w: property %q", ErrMalformed, f)
		}
		m.Set(k, v)
	}
	for _, k := range []string{"ACTION", "DEVPATH", "SUBSYSTEM"} {
		if m.Values[k] == "" {
			return nil, fmt.Errorf("%w: no %s", ErrMalformed, k)
		}
	}
	return m, nil
}

// Properties returns the properties as "KEY=value\0…" (libudev's properties buffer).
func (m *Message) Properties() []byte {
	var b bytes.Buffer
	for _, k := range m.Keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(m.Values[k])
		b.WriteByte(0)
	}
	return b.Bytes()
}

// Kernel returns the message in the kernel's format.
func (m *Message) Kernel() []byte {
	return slices.Concat([]byte(m.Action()+"@"+m.Devpath()+"\x00"), m.Properties())
}
