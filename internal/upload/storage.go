package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// Storage keeps file bodies by upload id. The file system implementation
// serves one node (the embedded default); several replicas need a shared
// volume or an object-store implementation of this interface.
type Storage interface {
	// Put writes r under id and returns the bytes written; a partial file
	// never becomes visible.
	Put(ctx context.Context, id string, r io.Reader) (int64, error)
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	Delete(ctx context.Context, id string) error
}

// DirStorage stores files in a directory, two levels of fan-out deep.
type DirStorage struct{ Root string }

var safeID = regexp.MustCompile(`^up_[A-Za-z0-9_-]{8,64}$`)

func (d DirStorage) path(id string) (string, error) {
	if !safeID.MatchString(id) {
		return "", ErrNotFound
	}
	return filepath.Join(d.Root, id[3:5], id), nil
}

// Put writes to a temporary file and renames it into place.
func (d DirStorage) Put(_ context.Context, id string, r io.Reader) (int64, error) {
	p, err := d.path(id)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return 0, fmt.Errorf("upload storage: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".part-*")
	if err != nil {
		return 0, fmt.Errorf("upload storage: %w", err)
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return 0, fmt.Errorf("upload storage: %w", err)
	}
	return n, nil
}

// Open opens the stored file.
func (d DirStorage) Open(_ context.Context, id string) (io.ReadCloser, error) {
	p, err := d.path(id)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Delete removes the stored file, if any.
func (d DirStorage) Delete(_ context.Context, id string) error {
	p, err := d.path(id)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
