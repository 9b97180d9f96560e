package dbusapi

import (
	_ "embed"
	"encoding/xml"
	"fmt"
	"strings"
	"sync"
)

// interfacesXML is systemd 252's introspection data (README.md says where it comes from).
//
//go:embed interfaces.xml
var interfacesXML []byte

// schema is systemd's interfaces by name: every method's argument signatures and every property's type.
type schema map[string]*ifaceSchema

type ifaceSchema struct {
	Name    string
	Methods map[string]methodSchema
	Props   []propSchema // in systemd's order
	byName  map[string]int
	xml     string // the interface's introspection text
}

type methodSchema struct{ In, Out string }

type propSchema struct {
	Name, Type string
	Write      bool
	// Emits is the property's org.freedesktop.DBus.Property.EmitsChangedSignal: "true" (a change is announced
	// with the value), "invalidates" (with the name only), "const" or "false" (not announced).
	Emits string
}

// prop returns the schema of the property name, if iface has it.
func (i *ifaceSchema) prop(name string) (propSchema, bool) {
	n, ok := i.byName[name]
	if !ok {
		return propSchema{}, false
	}
	return i.Props[n], true
}

type xmlNode struct {
	Interfaces []struct {
		Name    string `xml:"name,attr"`
		Methods []struct {
			Name string `xml:"name,attr"`
			Args []struct {
				Type      string `xml:"type,attr"`
				Direction string `xml:"direction,attr"`
			} `xml:"arg"`
		} `xml:"method"`
		Properties []struct {
			Name        string `xml:"name,attr"`
			Type        string `xml:"type,attr"`
			Access      string `xml:"access,attr"`
			Annotations []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"annotation"`
		} `xml:"property"`
	} `xml:"interface"`
}

// parseSchema reads introspection data; the raw text of each interface is kept for Introspect.
func parseSchema(data []byte) (schema, error) {
	var n xmlNode
	if err := xml.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("dbusapi: interfaces.xml: %w", err)
	}
	text := string(data)
	out := schema{}
	for _, x := range n.Interfaces {
		i := &ifaceSchema{Name: x.Name, Methods: map[string]methodSchema{}, byName: map[string]int{}}
		for _, m := range x.Methods {
			var ms methodSchema
			for _, a := range m.Args {
				if a.Direction == "out" {
					ms.Out += a.Type
				} else {
					ms.In += a.Type
				}
			}
			i.Methods[m.Name] = ms
		}
		for _, p := range x.Properties {
			i.byName[p.Name] = len(i.Props)
			ps := propSchema{Name: p.Name, Type: p.Type, Write: p.Access == "readwrite", Emits: "true"}
			for _, a := range p.Annotations {
				if a.Name == "org.freedesktop.DBus.Property.EmitsChangedSignal" {
					ps.Emits = a.Value
				}
			}
			i.Props = append(i.Props, ps)
		}
		start := strings.Index(text, ` <interface name="`+x.Name+`">`)
		end := strings.Index(text[start:], "\n </interface>\n")
		if start < 0 || end < 0 {
			return nil, fmt.Errorf("dbusapi: interfaces.xml: interface %s not found in the text", x.Name)
		}
		i.xml = text[start : start+end+len("\n </interface>\n")]
		out[x.Name] = i
	}
	return out, nil
}

// systemdSchema is the schema of interfaces.xml, read on first use: it is part of the program, but only the
// core's D-Bus server needs it, and every other process of the executable image (sctl, the plugins, udevd) would
// pay its parse at start (17 ms and 3 MB).
var systemdSchema = sync.OnceValue(func() schema {
	s, err := parseSchema(interfacesXML)
	if err != nil {
		panic(err)
	}
	return s
})
