// Package unit finds and reads unit files for the core: the fragment on the search path (aliases, masks,
// templates), its drop-ins and .wants/.requires/.upholds directories; it merges them, expands specifiers, and
// interprets the [Unit] and [Install] sections that every unit type shares. The type's own sections are left for
// its plugin.
//
// Load never fails: what cannot be read or understood becomes the LoadState and LoadError of the Fragment,
// naming file, line and key.
package unit
