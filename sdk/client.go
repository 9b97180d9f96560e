package sdk

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-plugin"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Client is the host's handle on a running plugin, dispensed by go-plugin through GRPCPlugin. The sysmaster core
// uses exactly this type; so can any other host or test harness.
type Client struct {
	rpc pb.UnitTypeClient
}

// PluginSets is what a host puts in go-plugin's ClientConfig.VersionedPlugins: the protocol versions it speaks.
func PluginSets() map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{ProtocolVersion: {PluginName: &GRPCPlugin{}}}
}

// Dispense returns the unit-type client of a started go-plugin client.
func Dispense(c *plugin.Client) (*Client, error) {
	rpc, err := c.Client()
	if err != nil {
		return nil, err
	}
	if v := c.NegotiatedVersion(); v != ProtocolVersion {
		return nil, fmt.Errorf("plugin speaks protocol version %d, this host speaks %d", v, ProtocolVersion)
	}
	raw, err := rpc.Dispense(PluginName)
	if err != nil {
		return nil, err
	}
	cl, ok := raw.(*Client)
	if !ok {
		return nil, fmt.Errorf("plugin dispensed %T, not a unit-type client", raw)
	}
	return cl, nil
}

// Describe asks the plugin who it is.
func (c *Client) Describe(ctx context.Context, hostVersion string) (*pb.DescribeResponse, error) {
	return c.rpc.Describe(ctx, &pb.DescribeRequest{HostVersion: hostVersion})
}

// Parse asks the plugin to interpret the type sections of a batch of units; it returns one result per unit.
func (c *Client) Parse(ctx context.Context, units []*pb.UnitFile) ([]*pb.Parsed, error) {
	resp, err := c.rpc.Parse(ctx, &pb.ParseRequest{Units: units})
	if err != nil {
		return nil, err
	}
	if len(resp.Results) != len(units) {
		return nil, fmt.Errorf("plugin answered %d units with %d results", len(units), len(resp.Results))
	}
	return resp.Results, nil
}

// Handle delivers a batch of events. It fails as a whole (the plugin died, the call timed out) or returns
// exactly one result per item.
func (c *Client) Handle(ctx context.Context, items []*pb.Item) ([]*pb.Result, error) {
	resp, err := c.rpc.Handle(ctx, &pb.HandleRequest{Items: items})
	if err != nil {
		return nil, err
	}
	if len(resp.Results) != len(items) {
		return nil, fmt.Errorf("plugin answered %d events with %d results", len(items), len(resp.Results))
	}
	return resp.Results, nil
}
