package job

// Graph is what the engine needs to know about units. The manager implements it over its unit registry.
type Graph interface {
	// Deps returns the units u has a dependency of kind on: the forward kinds of man systemd.unit
	// ("Requires", "Wants", "After", …) and the reverse ones the manager derives ("RequiredBy", "WantedBy",
	// "BoundBy", "ConsistsOf", "ConflictedBy", "RequisiteOf", …).
	Deps(u, kind string) []string
	// Loadable reports whether u exists as a unit that can take jobs; err says why not.
	Loadable(u string) error
	// Active reports whether u is active or reloading.
	Active(u string) bool
	// Up reports whether u is anything but inactive or failed (activating and deactivating count as up).
	Up(u string) bool
	// CanReload reports whether u supports reload.
	CanReload(u string) bool
}
