// Package timestamp parses and formats systemd timestamps (man systemd.time, "Parsing Timestamps"):
// "2012-11-23 11:12:13", "Fri 2012-11-23 11:12", "11:12", "now", "today", "yesterday", "tomorrow", "+5min",
// "-1h", "3 days ago", "10min left", "@1353668775", with "UTC", the local zone's abbreviation or an IANA zone
// name at the end, as systemd's parse_timestamp does; and writes them as format_timestamp and
// format_timestamp_relative do ("Fri 2012-11-23 11:12:13 CET", "3 days ago").
//
// Times are microseconds since the epoch (systemd's usec_t) or time.Time values with microsecond precision.
package timestamp
