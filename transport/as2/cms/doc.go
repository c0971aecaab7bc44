// Package cms is the Cryptographic Message Syntax layer of the AS2
// transport: the bytes inside application/pkcs7-mime and
// application/pkcs7-signature bodies. It knows ASN.1 and cryptography, and
// nothing of MIME or AS2 headers.
//
// # Encryption
//
// Decrypt opens EnvelopedData (RFC 5652) and AuthEnvelopedData (RFC 5083,
// AES-GCM per RFC 5084) addressed to our certificate, in DER or BER, as
// OpenSSL, libas2, Java and .NET partners write them: 3DES and AES-CBC,
// AES-GCM (also libas2's GCM inside EnvelopedData with a 16-byte IV and the
// tag appended), RSA PKCS #1 v1.5 and RSA-OAEP with any SHA-1/SHA-2 hash and
// MGF1 hash (Java's OAEPWithSHA-256AndMGF1Padding uses MGF1-SHA-1), and
// recipients named by issuer and serial number or by subject key identifier.
// Encrypt writes what OpenSSL 3 writes, byte for byte in the algorithm
// parameters, so every partner can read it.
//
// This is written here and not taken from github.com/smallstep/pkcs7: that
// library panics on tampered ciphertext, cannot read AES-192, GCM from
// AuthEnvelopedData or libas2, OAEP with a different MGF1 hash, or key
// identifiers, writes GCM that no one else can read and OAEP parameters
// that OpenSSL misreads, and configures encryption through package-level
// variables.
//
// # Compression
//
// Compress and Decompress handle CompressedData (RFC 3274, zlib).
// Decompress stops at a size limit and returns ErrTooLarge, so a small
// message cannot expand into gigabytes.
//
// # Signatures
//
// Sign and Verify make and check detached SignedData with
// github.com/smallstep/pkcs7. Verify also checks that the signer is the
// partner: the library alone trusts whatever certificate the signature
// carries. A *VerifyError tells a changed content (Integrity) from every
// other failure, which AS2 reports differently in its MDN.
//
// # Input
//
// Every function that reads CMS accepts BER as well as DER (indefinite
// lengths, constructed OCTET STRINGs), ignores bytes after the ContentInfo
// as OpenSSL does, and returns an error, never a panic, for any input.
package cms
