// Package notify is the core's end of the sd_notify protocol (man sd_notify): the datagram socket that
// services write "READY=1", "STATUS=…" and friends to, and a parser for the fields a service manager acts on.
//
// The core owns the socket (it must outlive any plugin), so it lives here in host/. A Listener is bound once at
// /run/sysmaster/notify, is world-writable so that services running as any user can notify, and asks the kernel
// for the sender's credentials with every datagram. Receive returns one Message per datagram: who sent it, its
// fields in order and any file descriptors that came with it. Parse turns the fields into a Notice; what to do
// with a Notice (whether the sender may notify for the unit at all, NotifyAccess=) is the service plugin's
// business.
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
//		n, problems := notify.Parse(m.Fields)
//		…
//	}
package notify
