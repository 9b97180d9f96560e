package rules

// StaticNode is what OPTIONS+="static_node=NAME" lines ask for a /dev node that exists before any uevent (from
// modules.devname): its owner, group and mode (-1 when not set) and tags. udevd applies them when it starts.
type StaticNode struct {
	// Node is the name below /dev.
	Node           string
	UID, GID, Mode int
	Tags           []string
}

// StaticNodes lists the static_node requests of the rules, in rules order. Only numeric or load-time resolved
// OWNER, GROUP and MODE count (as in udevd), and the TAG values as written.
func (rs *Rules) StaticNodes() []StaticNode {
	var out []StaticNode
	for _, f := range rs.Files {
		for _, l := range f.Lines {
			if l.typ&lineHasStaticNode == 0 {
				continue
			}
			uid, gid, mode := -1, -1, -1
			var tags []string
			for _, t := range l.tokens {
				switch t.kind {
				case aOwnerID:
					uid = t.num
				case aGroupID:
					gid = t.num
				case aModeID:
					mode = t.num
				case aTag:
					tags = append(tags, t.value)
				case aOptionsStaticNode:
					out = append(out, StaticNode{Node: t.value, UID: uid, GID: gid, Mode: mode, Tags: tags})
				}
			}
		}
	}
	return out
}
