package sftp

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/folder"
)

// rsaHostKeyBits is the size of a generated RSA host key: what ssh-keygen
// generates today. RSA is there for old clients only.
const rsaHostKeyBits = 3072

// A hostKeyKind is one of the host keys a server has: its file name, and
// how to generate it.
type hostKeyKind struct {
	file     string
	generate func() (crypto.Signer, error)
}

// hostKeyKinds returns the kinds of host key, in the order offered to clients.
func hostKeyKinds() []hostKeyKind {
	return []hostKeyKind{
		{"ssh_host_ed25519_key", func() (crypto.Signer, error) {
			_, key, err := ed25519.GenerateKey(rand.Reader)
			return key, err
		}},
		{"ssh_host_rsa_key", func() (crypto.Signer, error) {
			return rsa.GenerateKey(rand.Reader, rsaHostKeyBits)
		}},
	}
}

// loadHostKeys reads the host keys in dir, generating and writing those
// that are missing.
func loadHostKeys(ctx context.Context, dir string) ([]ssh.Signer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sftp: host key folder: %w", err)
	}
	var signers []ssh.Signer
	for _, kind := range hostKeyKinds() {
		signer, err := loadHostKey(ctx, dir, kind.file, kind.generate)
		if err != nil {
			return nil, fmt.Errorf("sftp: host key %s: %w", filepath.Join(dir, kind.file), err)
		}
		signers = append(signers, signer)
	}
	return signers, nil
}

// loadHostKey reads one host key, or generates it when the file is missing.
func loadHostKey(ctx context.Context, dir, file string, generate func() (crypto.Signer, error)) (ssh.Signer, error) {
	data, err := os.ReadFile(filepath.Join(dir, file))
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createHostKey(ctx, dir, file, generate)
		if errors.Is(err, fs.ErrExist) { // another process created it first
			data, err = os.ReadFile(filepath.Join(dir, file))
		}
	}
	if err != nil {
		return nil, err
	}
	return ssh.ParsePrivateKey(data)
}

// createHostKey generates a key and writes it, and its public half beside
// it, in OpenSSH's formats; it returns the private key file's content. A
// .pub file already there belonged to a key that is gone (its private half
// was deleted): it is replaced, or it would hand partners a wrong key.
func createHostKey(ctx context.Context, dir, file string, generate func() (crypto.Signer, error)) ([]byte, error) {
	key, err := generate()
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(key, "edibridge host key")
	if err != nil {
		return nil, err
	}
	private := pem.EncodeToMemory(block)
	if err := (folder.Outbox{Dir: dir, Perm: 0o600}).Write(ctx, file, private); err != nil {
		return nil, err
	}
	public, err := ssh.NewPublicKey(key.Public())
	if err != nil {
		return nil, err
	}
	if err := replaceFile(dir, file+".pub", ssh.MarshalAuthorizedKey(public), 0o644); err != nil {
		return nil, err
	}
	return private, nil
}

// replaceFile writes data as dir/name atomically, replacing what is there:
// a temporary file, synced, renamed into place, and the folder synced.
func replaceFile(dir, name string, data []byte, perm fs.FileMode) error {
	tmp, err := transport.WriteTemp(dir, ".edibridge-*.tmp", data, perm)
	if err == nil {
		defer os.Remove(tmp) // fails harmlessly once renamed
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return transport.SyncDir(dir)
}
