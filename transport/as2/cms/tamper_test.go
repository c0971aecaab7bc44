package cms

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecryptTamperedLastBlock: every byte of the last CBC block flipped
// gives an error or, when the garbled block happens to end in valid
// padding, other content; never the original, never a panic.
func TestDecryptTamperedLastBlock(t *testing.T) {
	content := bytes.Repeat([]byte("A"), 21)
	for _, c := range []Cipher{DES3CBC, AES256CBC} {
		der, err := Encrypt(content, us.cert, c, RSAOAEPSHA1)
		require.NoError(t, err)
		blockSize := blockSizeOf(c)
		for i := len(der) - blockSize; i < len(der); i++ {
			for _, mask := range []byte{0x01, 0x80, 0xff} {
				tampered := bytes.Clone(der)
				tampered[i] ^= mask
				got, _, err := Decrypt(tampered, us.cert, us.key)
				if err == nil {
					assert.NotEqual(t, content, got, "%s: byte %d ^ %#x", c, i, mask)
				}
			}
		}
	}
}

// TestDecryptEveryPaddingValue sets the last plaintext byte to each value
// 0..255 by flipping the matching byte of the block before (CBC's
// malleability). 21 bytes of 'A' have n bytes of padding of value n, so only
// 1 (the last byte alone) and n itself are valid.
func TestDecryptEveryPaddingValue(t *testing.T) {
	content := bytes.Repeat([]byte("A"), 21)
	for _, c := range []Cipher{DES3CBC, AES128CBC, AES256CBC} {
		der, err := Encrypt(content, us.cert, c, RSAPKCS1v15)
		require.NoError(t, err)
		blockSize := blockSizeOf(c)
		padding := blockSize - len(content)%blockSize
		lastOfPrevious := len(der) - blockSize - 1 // the ciphertext ends the DER
		for v := 0; v < 256; v++ {
			tampered := bytes.Clone(der)
			tampered[lastOfPrevious] ^= byte(padding) ^ byte(v)
			got, _, err := Decrypt(tampered, us.cert, us.key)
			switch v {
			case padding:
				require.NoError(t, err)
				assert.Equal(t, content, got)
			case 1:
				require.NoError(t, err, "%s: a last byte of 1 is valid padding", c)
				assert.Len(t, got, len(content)+padding-1)
			default:
				require.Error(t, err, "%s: padding value %d", c, v)
				assert.Contains(t, err.Error(), "invalid padding")
			}
		}
	}
}

// TestDecryptTamperedGCM: a changed tag or ciphertext fails authentication.
func TestDecryptTamperedGCM(t *testing.T) {
	content := testContent()
	der, err := Encrypt(content, us.cert, AES256GCM, RSAOAEPSHA256)
	require.NoError(t, err)
	// AuthEnvelopedData ends with the mac (16 bytes), after the ciphertext.
	for _, i := range []int{len(der) - 1, len(der) - 8, len(der) - 16, len(der) - 18 - 1, len(der) - 18 - len(content)} {
		tampered := bytes.Clone(der)
		tampered[i] ^= 0x01
		_, _, err := Decrypt(tampered, us.cert, us.key)
		require.Error(t, err, "byte %d", i)
		assert.Contains(t, err.Error(), "authentication failed")
	}
}

// TestDecryptEveryByteFlipped: flipping any byte of a whole message never
// panics, and never yields the content unnoticed with GCM.
func TestDecryptEveryByteFlipped(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of RSA decryptions")
	}
	content := []byte("Content-Type: text/plain\r\n\r\nhello")
	for _, c := range []Cipher{AES128GCM, DES3CBC} {
		der, err := Encrypt(content, us.cert, c, RSAPKCS1v15)
		require.NoError(t, err)
		for i := range der {
			tampered := bytes.Clone(der)
			tampered[i] ^= 0x5a
			got, _, err := Decrypt(tampered, us.cert, us.key)
			if err == nil && c == AES128GCM {
				assert.Equal(t, content, got, "GCM: byte %d changed and the content came out different", i)
			}
		}
	}
}

// TestDecryptTruncated: every prefix of a message is an error.
func TestDecryptTruncated(t *testing.T) {
	for _, c := range []Cipher{AES192CBC, AES192GCM} {
		der, err := Encrypt(testContent(), us.cert, c, RSAOAEPSHA384)
		require.NoError(t, err)
		for n := range der {
			_, _, err := Decrypt(der[:n], us.cert, us.key)
			require.Error(t, err, "%s: %d of %d bytes", c, n, len(der))
		}
	}
}

func blockSizeOf(c Cipher) int {
	spec, _ := cipherSpecFor(c)
	block, err := spec.newBlock(make([]byte, spec.keySize))
	if err != nil {
		panic(err)
	}
	return block.BlockSize()
}
