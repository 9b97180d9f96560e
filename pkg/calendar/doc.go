// Package calendar parses, normalises and evaluates systemd calendar event expressions (man systemd.time,
// "Calendar Events"): the OnCalendar= values of timer units and what `sctl analyze calendar` checks.
//
// An expression is "[weekdays] [[year-]month-day] [hour:minute[:second]] [time zone]", each field a list of
// values, ranges "a..b" and repetitions "a/n" or "a..b/n"; "~" counts days from the end of the month; seconds
// take up to six decimals; the shorthands minutely, hourly, daily, weekly, monthly, quarterly, semiannually and
// yearly (and their aliases) stand for whole expressions.
//
//	s, err := calendar.Parse("Mon..Fri *-*-* 09:00 Europe/Berlin")
//	if err != nil { ... }
//	fmt.Println(s)                         // Mon..Fri *-*-* 09:00:00 Europe/Berlin
//	next, err := s.Next(time.Now())        // the first elapse strictly after now
//
// Parsing, normal form and the next-elapse search follow systemd's calendarspec.c step by step, including
// how a wall-clock time that a daylight-saving change skips or repeats is resolved (as glibc's mktime does),
// so that a timer fires when systemd's would.
package calendar
