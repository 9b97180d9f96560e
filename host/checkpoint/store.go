// Package checkpoint is the core's external state (design.md invariant 3): an embedded bbolt database under
// /run/sysmaster that the core commits at the end of every event-loop turn and a new core reads after a crash
// or a daemon-reexec.
//
// The store holds opaque records the manager encodes: one per unit, plus a few named blobs (jobs, counters).
// It only knows the format's version: a database written by a newer format is refused (the manager then
// reconciles from reality), an older one is read and its version reported so that the reader can migrate.
// A database that cannot be opened or read (torn, truncated, garbage) is moved aside, never trusted and never
// a reason to crash: Open reports it and starts empty.
package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Version is the format this code writes. Raise it when a record's meaning changes incompatibly, and teach
// the manager to read the older one. Format 1 (up to release 9a25d52) saved enums by number; format 2 by name.
const Version = 2

var (
	bucketMeta  = []byte("meta")
	bucketUnits = []byte("units")
	bucketBlobs = []byte("blobs")
	keyVersion  = []byte("version")
	keyTurn     = []byte("turn")
)

// ErrUnreadable is the class of errors that mean "this checkpoint cannot be used": the caller starts from
// reality instead.
var ErrUnreadable = errors.New("checkpoint unreadable")

// Store is an open checkpoint database.
type Store struct {
	db   *bolt.DB
	path string
}

// Open opens (or creates) the database at path. When the file is there but unusable, it is renamed to
// path+".broken" (replacing an older one), a fresh database is created, and the reason comes back as
// discarded (the Store is usable all the same).
func Open(path string) (s *Store, discarded error, err error) {
	db, err := open(path)
	if err != nil {
		discarded = fmt.Errorf("%w: %s: %v", ErrUnreadable, path, err)
		if rerr := os.Rename(path, path+".broken"); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			os.Remove(path)
		}
		if db, err = open(path); err != nil {
			return nil, discarded, fmt.Errorf("checkpoint: %w", err)
		}
	}
	s = &Store{db: db, path: path}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketUnits, bucketBlobs} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, discarded, fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	return s, discarded, nil
}

func open(path string) (*bolt.DB, error) {
	// /run is a tmpfs: a sync buys nothing against a crash of the core (the page cache survives it) and a reboot
	// empties /run anyway. A short timeout: another live core holding the lock is a bug, not a reason to hang.
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: true, NoFreelistSync: true})
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Snapshot is what a checkpoint holds.
type Snapshot struct {
	// Version is the format the checkpoint was written in (0: nothing was ever committed).
	Version int
	// Turn counts the commits, for logs.
	Turn  uint64
	Units map[string][]byte
	Blobs map[string][]byte
}

// Load reads the whole checkpoint. A checkpoint in a newer format, or one whose records cannot be read, is an
// ErrUnreadable error.
func (s *Store) Load() (*Snapshot, error) {
	snap := &Snapshot{Units: map[string][]byte{}, Blobs: map[string][]byte{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyVersion); v != nil {
			if len(v) != 8 {
				return fmt.Errorf("%w: version record of %d bytes", ErrUnreadable, len(v))
			}
			snap.Version = int(binary.BigEndian.Uint64(v))
		}
		if snap.Version > Version {
			return fmt.Errorf("%w: written in format %d, this core reads up to %d", ErrUnreadable, snap.Version, Version)
		}
		if t := meta.Get(keyTurn); len(t) == 8 {
			snap.Turn = binary.BigEndian.Uint64(t)
		}
		copyAll := func(b *bolt.Bucket, into map[string][]byte) error {
			return b.ForEach(func(k, v []byte) error {
				into[string(k)] = append([]byte(nil), v...)
				return nil
			})
		}
		if err := copyAll(tx.Bucket(bucketUnits), snap.Units); err != nil {
			return err
		}
		return copyAll(tx.Bucket(bucketBlobs), snap.Blobs)
	})
	if err != nil {
		if !errors.Is(err, ErrUnreadable) {
			err = fmt.Errorf("%w: %v", ErrUnreadable, err)
		}
		return nil, err
	}
	return snap, nil
}

// Changes are what one turn changed: unit records to write (nil value: delete) and blobs to write (nil:
// delete).
type Changes struct {
	Units map[string][]byte
	Blobs map[string][]byte
}

// Commit writes the changes in one transaction, with the format version and the next turn number.
func (s *Store) Commit(c Changes) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		// bbolt keeps the slices it is given until the commit: one buffer per value.
		version := binary.BigEndian.AppendUint64(nil, Version)
		if err := meta.Put(keyVersion, version); err != nil {
			return err
		}
		var turn uint64
		if t := meta.Get(keyTurn); len(t) == 8 {
			turn = binary.BigEndian.Uint64(t)
		}
		if err := meta.Put(keyTurn, binary.BigEndian.AppendUint64(nil, turn+1)); err != nil {
			return err
		}
		if err := apply(tx.Bucket(bucketUnits), c.Units); err != nil {
			return err
		}
		return apply(tx.Bucket(bucketBlobs), c.Blobs)
	})
}

func apply(b *bolt.Bucket, m map[string][]byte) error {
	for k, v := range m {
		var err error
		if v == nil {
			err = b.Delete([]byte(k))
		} else {
			err = b.Put([]byte(k), v)
		}
		if err != nil {
			return fmt.Errorf("checkpoint: %s: %w", k, err)
		}
	}
	return nil
}

// Reset empties the checkpoint (a fresh start that must not pick up stale state).
func (s *Store) Reset() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketUnits, bucketBlobs} {
			if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
				return err
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
}
