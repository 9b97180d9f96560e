// Package unitfile reads the syntax of systemd unit files (man systemd.syntax): sections, Key=Value entries,
// comments, line continuation; and the word splitting with quotes and C escapes that list-valued directives use.
//
// It knows nothing of what keys mean. Entries keep their file and line so that every complaint about a value can
// name both; repeated keys are kept in order, and Section.Values applies the usual rule for list keys (later
// values accumulate, an empty assignment clears what came before).
//
//	f, err := unitfile.ParseFile("/etc/sysmaster/system/foo.service")
//	secs := unitfile.Merge(f, dropin)
//	after := unitfile.FindSection(secs, "Unit").Values("After")
package unitfile
