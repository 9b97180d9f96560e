package executor

// Exit statuses of a process that failed between fork and exec, with the step names systemd gives them (man
// systemd.exec, "Process Exit Codes"). The executor exits with the code of the step that failed and reports
// "<STEP>: <message>" on its status pipe.
var exitCodes = []entry[int]{
	{"CHDIR", 200},
	{"NICE", 201},
	{"FDS", 202},
	{"EXEC", 203},
	{"MEMORY", 204},
	{"LIMITS", 205},
	{"OOM_ADJUST", 206},
	{"SIGNAL_MASK", 207},
	{"STDIN", 208},
	{"STDOUT", 209},
	{"CHROOT", 210},
	{"IOPRIO", 211},
	{"TIMERSLACK", 212},
	{"SECUREBITS", 213},
	{"SETSCHEDULER", 214},
	{"CPUAFFINITY", 215},
	{"GROUP", 216},
	{"USER", 217},
	{"CAPABILITIES", 218},
	{"CGROUP", 219},
	{"SETSID", 220},
	{"CONFIRM", 221},
	{"STDERR", 222},
	{"PAM", 224},
	{"NETWORK", 225},
	{"NAMESPACE", 226},
	{"NO_NEW_PRIVILEGES", 227},
	{"SECCOMP", 228},
	{"SELINUX_CONTEXT", 229},
	{"PERSONALITY", 230},
	{"APPARMOR", 231},
	{"ADDRESS_FAMILIES", 232},
	{"RUNTIME_DIRECTORY", 233},
	{"CHOWN", 235},
	{"SMACK_PROCESS_LABEL", 236},
	{"KEYRING", 237},
	{"STATE_DIRECTORY", 238},
	{"CACHE_DIRECTORY", 239},
	{"LOGS_DIRECTORY", 240},
	{"CONFIGURATION_DIRECTORY", 241},
	{"NUMA_POLICY", 242},
	{"CREDENTIALS", 243},
	{"BPF", 245},
}

// ExitCode returns systemd's exit status for a step name ("EXEC" → 203), or 1 (EXIT_FAILURE) for a name it does
// not know.
func ExitCode(step string) int {
	if c, ok := lookup(exitCodes, step); ok {
		return c
	}
	return 1
}

// entry is a row of the executor's name tables. They are slices of constants, which the linker lays out, rather
// than map literals, which a package initialiser builds: every spawn would build them before reading its spec,
// and any binary that links this package would keep them on its heap. Each table has a few dozen rows at most.
type entry[V any] struct {
	name string
	val  V
}

// lookup returns the value of name in table.
func lookup[V any](table []entry[V], name string) (V, bool) {
	for _, e := range table {
		if e.name == name {
			return e.val, true
		}
	}
	var zero V
	return zero, false
}
