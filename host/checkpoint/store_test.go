package checkpoint

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func openT(t *testing.T, path string) *Store {
	t.Helper()
	s, discarded, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if discarded != nil {
		t.Fatalf("a good checkpoint was discarded: %v", discarded)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestCommitLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openT(t, path)
	snap, err := s.Load()
	if err != nil || snap.Version != 0 || len(snap.Units) != 0 {
		t.Fatalf("fresh store: %+v, %v", snap, err)
	}
	must(t, s.Commit(Changes{Units: map[string][]byte{"a.service": []byte("A1"), "b.socket": []byte("B1")},
		Blobs: map[string][]byte{"jobs": []byte("J")}}))
	must(t, s.Commit(Changes{Units: map[string][]byte{"a.service": []byte("A2"), "b.socket": nil}}))
	s.Close()

	s = openT(t, path) // a new core
	snap, err = s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if snap.Version != Version || snap.Turn != 2 {
		t.Errorf("version %d turn %d, want %d and 2", snap.Version, snap.Turn, Version)
	}
	if len(snap.Units) != 1 || string(snap.Units["a.service"]) != "A2" || string(snap.Blobs["jobs"]) != "J" {
		t.Errorf("units %q blobs %q", snap.Units, snap.Blobs)
	}
	must(t, s.Reset())
	if snap, _ := s.Load(); len(snap.Units) != 0 || snap.Version != 0 {
		t.Errorf("after Reset: %+v", snap)
	}
}

// A checkpoint a newer core wrote is refused, not misread.
func TestNewerFormatRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openT(t, path)
	must(t, s.Commit(Changes{Units: map[string][]byte{"a.service": []byte("x")}}))
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], Version+1)
		return tx.Bucket(bucketMeta).Put(keyVersion, b[:])
	}))
	if _, err := s.Load(); !errors.Is(err, ErrUnreadable) {
		t.Fatalf("Load of a newer format: %v, want ErrUnreadable", err)
	}
}

// A file that is not a database, or a truncated one, is moved aside and replaced by an empty store.
func TestCorruptFileDiscarded(t *testing.T) {
	for name, corrupt := range map[string]func(path string){
		"garbage": func(path string) {
			os.WriteFile(path, []byte("this is not a bbolt file at all, not even close"), 0o600)
		},
		"truncated": func(path string) {
			s, _, err := Open(path)
			must(t, err)
			must(t, s.Commit(Changes{Units: map[string][]byte{"a.service": make([]byte, 10000)}}))
			s.Close()
			must(t, os.Truncate(path, 100))
		},
		"zeroed": func(path string) {
			s, _, err := Open(path)
			must(t, err)
			must(t, s.Commit(Changes{Units: map[string][]byte{"a.service": []byte("x")}}))
			s.Close()
			st, _ := os.Stat(path)
			os.WriteFile(path, make([]byte, st.Size()), 0o600)
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			corrupt(path)
			s, discarded, err := Open(path)
			if err != nil {
				t.Fatalf("Open of a corrupt file failed: %v", err)
			}
			defer s.Close()
			if !errors.Is(discarded, ErrUnreadable) {
				t.Errorf("corrupt file not reported: %v", discarded)
			}
			if _, err := os.Stat(path + ".broken"); err != nil {
				t.Errorf("the corrupt file was not kept aside: %v", err)
			}
			snap, err := s.Load()
			if err != nil || len(snap.Units) != 0 {
				t.Errorf("fresh store after corruption: %+v, %v", snap, err)
			}
			must(t, s.Commit(Changes{Units: map[string][]byte{"b.service": []byte("y")}}))
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
