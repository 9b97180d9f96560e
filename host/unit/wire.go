package unit

import (
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// WireSections are a fragment's type sections as a plugin's Parse takes them.
func WireSections(secs []*unitfile.Section) []*pb.Section {
	out := make([]*pb.Section, len(secs))
	for i, s := range secs {
		ps := &pb.Section{Name: s.Name, Entries: make([]*pb.Entry, len(s.Entries))}
		for j, e := range s.Entries {
			ps.Entries[j] = &pb.Entry{Key: e.Key, Value: e.Value, File: e.File, Line: int32(e.Line)}
		}
		out[i] = ps
	}
	return out
}
