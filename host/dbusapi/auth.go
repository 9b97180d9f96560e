package dbusapi

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The D-Bus authentication handshake (the spec's "Authentication Protocol"): line-based text before the binary
// messages. Only EXTERNAL is offered, as systemd's private socket does: the kernel's SO_PEERCRED says who the
// peer is, and a uid the peer claims must be that one.

// maxAuthLine bounds a line of the handshake; maxAuthLines the handshake itself.
const (
	maxAuthLine  = 512
	maxAuthLines = 16
)

// serverAuth answers a client's handshake on a connection whose peer has uid: "AUTH EXTERNAL" with or without an
// initial response (sd-bus sends none and expects DATA), NEGOTIATE_UNIX_FD (refused: no descriptors pass here),
// BEGIN. It returns once BEGIN was read; r then holds the first message.
func serverAuth(r *bufio.Reader, w io.Writer, uid int) error {
	nul, err := r.ReadByte()
	if err != nil {
		return err
	}
	if nul != 0 {
		return errors.New("dbusapi: handshake does not start with a NUL byte")
	}
	guid := make([]byte, 16)
	_, _ = rand.Read(guid)
	authed := false
	waitingData := false
	accept := func(claim string) string {
		if claim != "" {
			b, err := hex.DecodeString(claim)
			if err != nil || string(b) != strconv.Itoa(uid) {
				return "REJECTED EXTERNAL\r\n"
			}
		}
		authed = true
		return "OK " + hex.EncodeToString(guid) + "\r\n"
	}
	for i := 0; i < maxAuthLines; i++ {
		line, err := readAuthLine(r)
		if err != nil {
			return err
		}
		cmd, arg, _ := strings.Cut(line, " ")
		var reply string
		switch {
		case cmd == "AUTH" && !authed:
			mech, resp, _ := strings.Cut(arg, " ")
			switch {
			case mech != "EXTERNAL":
				reply = "REJECTED EXTERNAL\r\n"
			case resp == "":
				waitingData, reply = true, "DATA\r\n"
			default:
				reply = accept(resp)
			}
		case cmd == "DATA" && waitingData && !authed:
			waitingData = false
			reply = accept(arg)
		case cmd == "CANCEL" && !authed:
			waitingData, reply = false, "REJECTED EXTERNAL\r\n"
		case cmd == "NEGOTIATE_UNIX_FD" && authed:
			reply = "ERROR \"descriptors are not passed on this connection\"\r\n"
		case cmd == "BEGIN" && authed:
			return nil
		default:
			reply = "ERROR \"unexpected command\"\r\n"
		}
		if _, err := io.WriteString(w, reply); err != nil {
			return err
		}
	}
	return errors.New("dbusapi: handshake too long")
}

// clientAuth runs the handshake as a client with EXTERNAL for uid (on the system bus).
func clientAuth(r *bufio.Reader, w io.Writer, uid int) error {
	claim := hex.EncodeToString([]byte(strconv.Itoa(uid)))
	if _, err := io.WriteString(w, "\x00AUTH EXTERNAL "+claim+"\r\n"); err != nil {
		return err
	}
	line, err := readAuthLine(r)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "OK ") {
		return fmt.Errorf("dbusapi: the bus refused EXTERNAL: %q", line)
	}
	_, err = io.WriteString(w, "BEGIN\r\n")
	return err
}

// readAuthLine reads one CRLF-terminated line of at most maxAuthLine bytes, without its CRLF.
func readAuthLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for b.Len() <= maxAuthLine {
		c, err := r.ReadByte()
		if err != nil {
			return "", err
		}
		if c == '\n' {
			return strings.TrimSuffix(b.String(), "\r"), nil
		}
		b.WriteByte(c)
	}
	return "", errors.New("dbusapi: handshake line too long")
}
