package ams_test

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"
)

var (
	otherKeyOnce sync.Once
	otherKeyVal  *rsa.PrivateKey
	otherKeyErr  error
)

// otherKey is a freshly generated key, distinct from the fixture, shared by the tests.
func otherKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	otherKeyOnce.Do(func() { otherKeyVal, otherKeyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if otherKeyErr != nil {
		t.Fatal(otherKeyErr)
	}
	return otherKeyVal
}
