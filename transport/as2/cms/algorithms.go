package cms

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	_ "crypto/sha1" // the hashes OAEP may name, for crypto.Hash.New
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/asn1"
	"fmt"
	"strings"
)

// A Cipher is a content-encryption algorithm. Its values are the names
// used in configuration and logs.
type Cipher string

// The content-encryption algorithms Encrypt writes and Decrypt reads.
const (
	DES3CBC   Cipher = "3des" // des-ede3-cbc
	AES128CBC Cipher = "aes128-cbc"
	AES192CBC Cipher = "aes192-cbc"
	AES256CBC Cipher = "aes256-cbc"
	AES128GCM Cipher = "aes128-gcm"
	AES192GCM Cipher = "aes192-gcm"
	AES256GCM Cipher = "aes256-gcm"
)

// Valid tells whether c is one of the Cipher constants.
func (c Cipher) Valid() bool {
	_, ok := cipherSpecFor(c)
	return ok
}

// ParseCipher reads a cipher name the way people and other AS2 software
// spell it, in any case: the constants' names, OpenSSL's ("aes-256-cbc",
// "des-ede3-cbc", "des3", "id-aes128-GCM"), libas2's ("aes256-CBC"), and
// the bare "aes128", "aes192", "aes256" for CBC.
func ParseCipher(s string) (Cipher, error) {
	switch squash(s) {
	case "3des", "des3", "desede3", "desede3cbc", "3descbc", "des3cbc", "tripledes", "tripledescbc":
		return DES3CBC, nil
	case "aes128", "aes128cbc":
		return AES128CBC, nil
	case "aes192", "aes192cbc":
		return AES192CBC, nil
	case "aes256", "aes256cbc":
		return AES256CBC, nil
	case "aes128gcm", "idaes128gcm":
		return AES128GCM, nil
	case "aes192gcm", "idaes192gcm":
		return AES192GCM, nil
	case "aes256gcm", "idaes256gcm":
		return AES256GCM, nil
	}
	return "", fmt.Errorf("cms: unknown cipher %q", s)
}

// A KeyTransport is the RSA scheme that encrypts the content-encryption
// key for the recipient. Its values are the names used in configuration and
// logs.
type KeyTransport string

// The key transports Encrypt writes. Decrypt reads these, and reports OAEP
// variants that have no constant (SHA-224, or an MGF1 hash that differs from
// the OAEP hash) with a descriptive value such as
// "rsa-oaep-sha256-mgf1-sha1", for which Valid is false.
const (
	RSAPKCS1v15   KeyTransport = "rsa-pkcs1v15"
	RSAOAEPSHA1   KeyTransport = "rsa-oaep"        // OAEP, SHA-1, MGF1-SHA-1 (parameters written as 30 00)
	RSAOAEPSHA256 KeyTransport = "rsa-oaep-sha256" // OAEP, SHA-256, MGF1-SHA-256
	RSAOAEPSHA384 KeyTransport = "rsa-oaep-sha384" // OAEP, SHA-384, MGF1-SHA-384
	RSAOAEPSHA512 KeyTransport = "rsa-oaep-sha512" // OAEP, SHA-512, MGF1-SHA-512
)

// Valid tells whether kt is one of the KeyTransport constants.
func (kt KeyTransport) Valid() bool {
	_, ok := keyTransportSpecFor(kt)
	return ok
}

// ParseKeyTransport reads a key transport name in any case: the constants'
// names, and spellings such as "v1.5", "pkcs1v15", "rsa", "oaep",
// "oaep-sha1", "oaep-sha256", "oaep-sha-256", "rsaes-oaep-sha512".
func ParseKeyTransport(s string) (KeyTransport, error) {
	name := squash(s)
	if name == "" {
		return "", fmt.Errorf("cms: empty key transport name")
	}
	for _, prefix := range []string{"rsaes", "rsa"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			name = rest
			break
		}
	}
	switch name {
	case "", "v15", "pkcs1", "pkcs1v15", "pkcs15":
		return RSAPKCS1v15, nil
	case "oaep", "oaep1", "oaepsha1":
		return RSAOAEPSHA1, nil
	case "oaep256", "oaepsha256":
		return RSAOAEPSHA256, nil
	case "oaep384", "oaepsha384":
		return RSAOAEPSHA384, nil
	case "oaep512", "oaepsha512":
		return RSAOAEPSHA512, nil
	}
	return "", fmt.Errorf("cms: unknown key transport %q", s)
}

// squash lowers s and drops the separators people put in algorithm names.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ', '/':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

// A cipherSpec says how a Cipher is identified and used.
type cipherSpec struct {
	cipher   Cipher
	oid      asn1.ObjectIdentifier
	keySize  int
	gcm      bool
	newBlock func(key []byte) (cipher.Block, error)
}

// cipherSpecs lists the supported ciphers; a function, so that the table
// cannot be changed.
func cipherSpecs() []cipherSpec {
	return []cipherSpec{
		{DES3CBC, oidDESEDE3CBC, 24, false, des.NewTripleDESCipher},
		{AES128CBC, oidAES128CBC, 16, false, aes.NewCipher},
		{AES192CBC, oidAES192CBC, 24, false, aes.NewCipher},
		{AES256CBC, oidAES256CBC, 32, false, aes.NewCipher},
		{AES128GCM, oidAES128GCM, 16, true, aes.NewCipher},
		{AES192GCM, oidAES192GCM, 24, true, aes.NewCipher},
		{AES256GCM, oidAES256GCM, 32, true, aes.NewCipher},
	}
}

func cipherSpecFor(c Cipher) (cipherSpec, bool) {
	for _, spec := range cipherSpecs() {
		if spec.cipher == c {
			return spec, true
		}
	}
	return cipherSpec{}, false
}

func cipherSpecForOID(oid asn1.ObjectIdentifier) (cipherSpec, bool) {
	for _, spec := range cipherSpecs() {
		if spec.oid.Equal(oid) {
			return spec, true
		}
	}
	return cipherSpec{}, false
}

// A keyTransportSpec says how a KeyTransport is done: RSA PKCS #1 v1.5, or
// OAEP with hash for both OAEP and MGF1.
type keyTransportSpec struct {
	keyTransport KeyTransport
	oaep         bool
	hash         crypto.Hash
}

func keyTransportSpecs() []keyTransportSpec {
	return []keyTransportSpec{
		{RSAPKCS1v15, false, 0},
		{RSAOAEPSHA1, true, crypto.SHA1},
		{RSAOAEPSHA256, true, crypto.SHA256},
		{RSAOAEPSHA384, true, crypto.SHA384},
		{RSAOAEPSHA512, true, crypto.SHA512},
	}
}

func keyTransportSpecFor(kt KeyTransport) (keyTransportSpec, bool) {
	for _, spec := range keyTransportSpecs() {
		if spec.keyTransport == kt {
			return spec, true
		}
	}
	return keyTransportSpec{}, false
}

// oaepKeyTransport names the OAEP variant with the given hashes: one of the
// constants when there is one.
func oaepKeyTransport(h, mgfHash crypto.Hash) KeyTransport {
	if h == mgfHash {
		for _, spec := range keyTransportSpecs() {
			if spec.oaep && spec.hash == h {
				return spec.keyTransport
			}
		}
		return KeyTransport("rsa-oaep-" + hashName(h))
	}
	return KeyTransport("rsa-oaep-" + hashName(h) + "-mgf1-" + hashName(mgfHash))
}
