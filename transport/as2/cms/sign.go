package cms

// All use of github.com/smallstep/pkcs7 is in this file.
//
// pkcs7 keeps settings in package-level variables: ContentEncryptionAlgorithm,
// KeyEncryptionAlgorithm and KeyEncryptionHash, which pkcs7.Encrypt reads,
// and the default digest of SetDefaultDigestAlgorithm, which NewSignedData
// reads. This package never writes them: Sign sets the digest on its own
// SignedData (SetDigestAlgorithm), and envelopes are ours (decrypt.go,
// encrypt.go), never pkcs7.Encrypt or Decrypt, because those panic on
// tampered input, lack ciphers and recipient forms partners use, and write
// GCM and OAEP that others cannot read. So Sign and Verify need no lock. If
// a future change must use those settings, guard setting them and the call
// that reads them with one mutex, here.

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/smallstep/pkcs7"
)

// A VerifyError is why Verify refused a signature. Integrity is true when
// the signature is sound but the content is not what was signed (the
// digest in the signed attributes differs): AS2's integrity-check-failed.
// Every other failure, from unreadable input to a signature by someone
// else, has Integrity false (authentication-failed).
type VerifyError struct {
	Integrity bool
	Err       error
}

func (e *VerifyError) Error() string {
	if e.Err == nil {
		return "cms: signature verification failed"
	}
	return e.Err.Error()
}

func (e *VerifyError) Unwrap() error { return e.Err }

// Sign makes a detached CMS SignedData (DER) over content with cert and
// key. digest is one of crypto.SHA1, SHA256, SHA384 and SHA512. The
// signature embeds cert, and has the signed attributes contentType,
// messageDigest and signingTime.
func Sign(content []byte, cert *x509.Certificate, key *rsa.PrivateKey, digest crypto.Hash) (signature []byte, err error) {
	digestOID, ok := signingDigestOID(digest)
	if !ok {
		return nil, fmt.Errorf("cms: sign: digest %v is not supported (SHA-1, SHA-256, SHA-384, SHA-512)", digest)
	}
	if cert == nil || key == nil {
		return nil, errors.New("cms: sign: no certificate or key")
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("cms: sign: the key is not the certificate's")
	}
	defer recoverPKCS7(&err, "sign")
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	sd.SetDigestAlgorithm(digestOID) // never the global SetDefaultDigestAlgorithm
	if err := sd.AddSigner(cert, key, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	sd.Detach()
	signature, err = sd.Finish()
	if err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	return signature, nil
}

// CanSign reports whether Sign supports the digest.
func CanSign(digest crypto.Hash) bool {
	_, ok := signingDigestOID(digest)
	return ok
}

// signingDigestOID returns the OID of a digest Sign supports.
func signingDigestOID(digest crypto.Hash) (asn1.ObjectIdentifier, bool) {
	switch digest {
	case crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512:
		return oidForHash(digest)
	}
	return nil, false
}

// Verify checks a detached signature (DER or BER) over content, and that
// its only signer is signer, the partner's certificate. pkcs7.Verify alone
// does not authenticate: it trusts whatever certificate the signature
// embeds. If the signature embeds no certificate, signer is used. Verify
// returns the digest algorithm of the signerInfo, also with an error once
// it is known. Errors are *VerifyError.
//
// Beyond what pkcs7 checks (the messageDigest attribute, the signature, a
// signingTime within the certificate's validity), Verify requires the
// contentType attribute that RFC 5652 11.1 demands with signed attributes,
// and that it say id-data. Without signed attributes (OpenSSL -noattr) a
// changed content cannot be told from a wrong key, and is reported with
// Integrity false.
func Verify(content, signature []byte, signer *x509.Certificate) (crypto.Hash, error) {
	if signer == nil {
		return 0, &VerifyError{Err: errors.New("cms: verify: no signer certificate")}
	}
	p7, err := parseSignature(signature)
	if err != nil {
		return 0, &VerifyError{Err: err}
	}
	if len(p7.Signers) != 1 {
		return 0, &VerifyError{Err: fmt.Errorf("cms: verify: %d signers, want exactly one", len(p7.Signers))}
	}
	digestAlgorithm := p7.Signers[0].DigestAlgorithm.Algorithm
	digest, ok := hashForOID(digestAlgorithm)
	if !ok {
		return 0, &VerifyError{Err: fmt.Errorf("cms: verify: digest algorithm %v is not supported", digestAlgorithm)}
	}
	if err := checkSigner(p7, signer); err != nil {
		return digest, &VerifyError{Err: err}
	}
	p7.Content = content
	if err := verifyPKCS7(p7); err != nil {
		var mismatch *pkcs7.MessageDigestMismatchError
		return digest, &VerifyError{Integrity: errors.As(err, &mismatch), Err: fmt.Errorf("cms: verify: %w", err)}
	}
	if err := checkContentTypeAttribute(p7); err != nil {
		return digest, &VerifyError{Err: err}
	}
	return digest, nil
}

// parseSignature reads a SignedData ContentInfo, DER or BER.
func parseSignature(signature []byte) (p7 *pkcs7.PKCS7, err error) {
	contentType, err := ContentType(signature)
	if err != nil {
		return nil, fmt.Errorf("cms: verify: %w", err)
	}
	if contentType != TypeSignedData {
		return nil, fmt.Errorf("cms: verify: the signature is %s, not signed-data", contentType)
	}
	// pkcs7 has its own BER conversion; ours is hardened and fuzzed.
	der, err := normalizeBER(signature)
	if err != nil {
		return nil, fmt.Errorf("cms: verify: malformed signature: %w", err)
	}
	defer recoverPKCS7(&err, "verify")
	p7, err = pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("cms: verify: %w", err)
	}
	return p7, nil
}

// checkSigner makes signer the only certificate the verification may use,
// after checking that the signature names it (by issuer and serial number)
// and that a certificate embedded for the signer is that very certificate.
func checkSigner(p7 *pkcs7.PKCS7, signer *x509.Certificate) error {
	if embedded := p7.GetOnlySigner(); embedded != nil && !embedded.Equal(signer) {
		return fmt.Errorf("cms: verify: signed by %s, not by the partner's certificate %s",
			describeCertificate(embedded), describeCertificate(signer))
	}
	p7.Certificates = []*x509.Certificate{signer}
	if p7.GetOnlySigner() == nil {
		return errors.New("cms: verify: the signer is not the partner's certificate (issuer and serial number differ)")
	}
	return nil
}

// describeCertificate names a certificate for an error message: subject,
// serial number and the start of its SHA-256 fingerprint, which tells apart
// certificates that share the others.
func describeCertificate(cert *x509.Certificate) string {
	fingerprint := sha256.Sum256(cert.Raw)
	return fmt.Sprintf("%q (serial %X, SHA-256 %X...)", cert.Subject.String(), cert.SerialNumber, fingerprint[:8])
}

// verifyPKCS7 runs pkcs7's verification, turning a panic into an error.
func verifyPKCS7(p7 *pkcs7.PKCS7) (err error) {
	defer recoverPKCS7(&err, "verify")
	return p7.Verify()
}

// checkContentTypeAttribute checks the contentType signed attribute, when
// there are signed attributes (pkcs7 leaves this undone).
func checkContentTypeAttribute(p7 *pkcs7.PKCS7) (err error) {
	if len(p7.Signers[0].AuthenticatedAttributes) == 0 {
		return nil
	}
	defer recoverPKCS7(&err, "verify")
	var contentType asn1.ObjectIdentifier
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeContentType, &contentType); err != nil {
		return fmt.Errorf("cms: verify: contentType attribute: %w", err)
	}
	if !contentType.Equal(oidData) {
		return fmt.Errorf("cms: verify: contentType attribute is %v, not id-data", contentType)
	}
	return nil
}

// recoverPKCS7 turns a panic inside pkcs7 into an error: the library has
// panicked on malformed input before, and a signature comes from the
// network. Use it deferred, with the function's named error result.
func recoverPKCS7(err *error, op string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("cms: %s: pkcs7: %w: %v", op, errRecovered, r)
	}
}
