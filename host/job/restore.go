package job

// Restore installs a job as a previous core left it (from the checkpoint): same id, type, state and flags,
// without building a transaction (its transaction was built and checked when it was enqueued). A job already
// installed for the unit is kept. Later jobs get ids above every restored one.
func (e *Engine) Restore(j Job) {
	if e.jobs[j.Unit] != nil {
		return
	}
	j.done = nil
	e.jobs[j.Unit] = &j
	if j.ID > e.nextID {
		e.nextID = j.ID
	}
	e.touch(j.Unit)
}
