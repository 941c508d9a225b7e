package store

import (
	"encoding/json"
	"fmt"
)

// GetJSON reads key and decodes it into a T. Absent keys return ErrNotFound
// (and T's zero value).
func GetJSON[T any](tx Tx, b Bucket, key string) (T, error) {
	var v T
	raw, err := tx.Get(b, key)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("store: decode %s %q: %w", b, key, err)
	}
	return v, nil
}

// PutJSON encodes v as JSON and stores it under key.
func PutJSON[T any](tx Tx, b Bucket, key string, v T) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s %q: %w", b, key, err)
	}
	return tx.Put(b, key, raw)
}

// ScanJSON decodes each value Scan visits into a T and passes it to fn. A
// value that does not decode stops the scan and is returned as an error.
func ScanJSON[T any](tx Tx, b Bucket, prefix, start string, fn func(key string, v T) bool) error {
	var decodeErr error
	err := tx.Scan(b, prefix, start, func(key string, raw []byte) bool {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			decodeErr = fmt.Errorf("store: decode %s %q: %w", b, key, err)
			return false
		}
		return fn(key, v)
	})
	if err != nil {
		return err
	}
	return decodeErr
}
