// Package notify is the core's end of the sd_notify protocol (man sd_notify): the datagram socket that
// services write "READY=1", "STATUS=…" and friends to. The fields are interpreted by the plugins, with
// sdk/notify's Parse.
//
// The core owns the socket (it must outlive any plugin), so it lives here in host/. A Listener is bound once at
// /run/sysmaster/notify, is world-writable so that services running as any user can notify, and asks the kernel
// for the sender's credentials with every datagram. Receive returns one Message per datagram: who sent it, its
// fields in order and any file descriptors that came with it.
//
// A datagram that cannot be trusted or understood is dropped, never fatal: Receive returns an error that wraps
// ErrBadMessage, and the caller logs it and calls Receive again.
//
//	l, err := notify.Listen("/run/sysmaster/notify")
//	if err != nil {
//		return err
//	}
//	for {
//		m, err := l.Receive()
//		if errors.Is(err, notify.ErrBadMessage) {
//			log.Print(err)
//			continue
//		}
//		if err != nil {
//			return err // the listener was closed
//		}
//		deliver(m) // to the unit's plugin, as a Notify event
//	}
package notify
