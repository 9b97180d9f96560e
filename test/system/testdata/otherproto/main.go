// Command otherproto is a unit-type plugin that announces protocol version 2, which this host does not speak:
// the host must refuse it at the handshake and say so.
package main

import "github.com/sysmaster/sysmaster/sdk"

type other struct{ sdk.Defaults }

func (other) Describe() sdk.Description { return sdk.Description{Type: "other", Version: "2.0.0"} }

func (other) Parse(*sdk.ParseRequest) *sdk.ParseResult { return &sdk.ParseResult{} }

func (other) Handle(*sdk.Unit, *sdk.Event) error { return nil }

func main() { sdk.Serve(other{}, sdk.WithProtocolVersion(2)) }
