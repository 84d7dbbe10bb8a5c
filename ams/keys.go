package ams

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// decodeKey accepts PEM or bare base64 (with whitespace anywhere) and returns the DER bytes.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-----BEGIN") {
		b, _ := pem.Decode([]byte(s))
		if b == nil {
			return nil, errors.New("invalid PEM")
		}
		return b.Bytes, nil
	}
	s = strings.Join(strings.Fields(s), "")
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("key is neither PEM nor base64: %w", err)
	}
	return der, nil
}

// ParsePublicKey reads an RSA public key given as bare base64 X.509 SubjectPublicKeyInfo
// (the form the Antom dashboard hands out) or as PEM (SPKI or PKCS#1).
func ParsePublicKey(s string) (*rsa.PublicKey, error) {
	der, err := decodeKey(s)
	if err != nil {
		return nil, err
	}
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("public key is not RSA")
		}
		return rk, nil
	}
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not an RSA public key (expected X.509 SubjectPublicKeyInfo)")
}

// ParsePrivateKey reads an RSA private key given as bare base64 PKCS#8 (the form the
// official SDKs take) or as PEM (PKCS#8 or PKCS#1).
func ParsePrivateKey(s string) (*rsa.PrivateKey, error) {
	der, err := decodeKey(s)
	if err != nil {
		return nil, err
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("private key is not RSA")
		}
		return rk, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not an RSA private key (expected PKCS#8)")
}

// EncodePublicKey renders k as bare base64 SubjectPublicKeyInfo.
func EncodePublicKey(k *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		panic(err) // cannot happen for an *rsa.PublicKey
	}
	return base64.StdEncoding.EncodeToString(der)
}

// EncodePrivateKey renders k as bare base64 PKCS#8.
func EncodePrivateKey(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err) // cannot happen for a valid *rsa.PrivateKey
	}
	return base64.StdEncoding.EncodeToString(der)
}
