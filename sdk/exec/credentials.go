package exec

import (
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

// credentialDirectives are LoadCredential=, SetCredential= and their encrypted forms (man systemd.exec,
// "Credentials").
func credentialDirectives(h map[string]handler) {
	h["LoadCredential"] = func(p *Parser, e *sdk.Entry) { p.loadCredential(e, false) }
	h["LoadCredentialEncrypted"] = func(p *Parser, e *sdk.Entry) { p.loadCredential(e, true) }
	h["SetCredential"] = func(p *Parser, e *sdk.Entry) { p.setCredential(e, false) }
	h["SetCredentialEncrypted"] = func(p *Parser, e *sdk.Entry) { p.setCredential(e, true) }
}

// credentialNameValid is systemd's credential_name_valid: a file name (no "/", not "." or ".."), at most 255
// bytes.
func credentialNameValid(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) <= 255 && !strings.ContainsAny(s, "/\x00")
}

// putCredential replaces the credential of the same ID and kind (load or set), or appends c: in systemd a later
// assignment of an ID wins.
func (p *Parser) putCredential(c sdk.Credential, load bool) {
	creds := p.x.Exec.Credentials
	for i, old := range creds {
		if old.ID == c.ID && (old.Path != "") == load {
			creds[i] = c
			return
		}
	}
	p.x.Exec.Credentials = append(creds, c)
}

// resetCredentials drops the assignments of one kind (an empty LoadCredential= or SetCredential=).
func (p *Parser) resetCredentials(load bool) {
	var keep []sdk.Credential
	for _, c := range p.x.Exec.Credentials {
		if (c.Path != "") != load {
			keep = append(keep, c)
		}
	}
	p.x.Exec.Credentials = keep
}

// loadCredential parses "ID[:PATH]": PATH is absolute and normalized, or a credential name among the
// manager's own; without it, ID names one of the manager's own.
func (p *Parser) loadCredential(e *sdk.Entry, encrypted bool) {
	if strings.TrimSpace(e.Value) == "" {
		p.resetCredentials(true)
		return
	}
	id, path, hasPath := strings.Cut(e.Value, ":")
	if !credentialNameValid(id) {
		p.Bad(e, "%q is not a valid credential name", id)
		return
	}
	if !hasPath || path == "" {
		path = id
	}
	if strings.HasPrefix(path, "/") && !NormalPath(path) || !strings.HasPrefix(path, "/") && !credentialNameValid(path) {
		p.Bad(e, "%q is neither an absolute normalized path nor a credential name", path)
		return
	}
	p.putCredential(sdk.Credential{ID: id, Path: path, Encrypted: encrypted}, true)
}

// setCredential parses "ID:VALUE", VALUE with C escapes.
func (p *Parser) setCredential(e *sdk.Entry, encrypted bool) {
	if strings.TrimSpace(e.Value) == "" {
		p.resetCredentials(false)
		return
	}
	id, value, ok := strings.Cut(e.Value, ":")
	if !ok || !credentialNameValid(id) {
		p.Bad(e, "expected ID:VALUE with a valid credential name")
		return
	}
	data, err := unitfile.Unescape(value)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	p.putCredential(sdk.Credential{ID: id, Data: []byte(data), Encrypted: encrypted}, false)
}
