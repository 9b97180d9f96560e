// Package notify interprets the fields of one sd_notify message (man sd_notify): Parse turns "READY=1",
// "STATUS=…", "MAINPID=…" and friends into a typed Notice and reports each field whose value it cannot
// understand. The host receives the datagrams (host/notify) and hands their fields to the unit's plugin in a
// Notify event; what a Notice means for the unit (NotifyAccess=, READY=1 ending the start, …) is the plugin's
// business.
//
//	case *sdk.EventNotify:
//		n, problems := notify.Parse(e.Fields)
//		for _, err := range problems {
//			u.Logf("%v", err)
//		}
//		if n.Ready {
//			…
//		}
package notify
