// Package cli is sctl: argument parsing, the calls to the core's control API, and systemctl's output formats.
// Formatting is done by pure functions over the API's answers, so that it is tested without a core.
package cli
