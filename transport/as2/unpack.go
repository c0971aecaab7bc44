package as2

import (
	"crypto"
	"errors"
	"fmt"
	"mime"
	"net/textproto"
	"path"
	"strings"

	"github.com/edibridge/edibridge/transport/as2/cms"
)

// maxLayers bounds the nesting of encryption, compression and signature
// layers a message may have; real messages have at most three.
const maxLayers = 8

// A failure is a message that could not be processed, with the
// disposition its MDN reports.
type failure struct {
	disposition string // one of the error dispositions
	err         error
}

func (f *failure) Error() string { return f.disposition + ": " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func fail(disposition string, format string, args ...any) *failure {
	return &failure{disposition: disposition, err: fmt.Errorf(format, args...)}
}

// A received message, unpacked.
type received struct {
	payload     []byte
	contentType string // the payload's
	fileName    string // from Content-Disposition or the name parameter
	signed      bool
	encrypted   bool
	compressed  bool
	envelope    cms.Envelope
	mic         MIC
}

// unpacker peels a message's layers: decrypt, decompress, verify, in
// whatever order the sender nested them, and computes the MIC on the way.
type unpacker struct {
	p          *Partner
	micAlg     crypto.Hash // asked for in signed-receipt-micalg; 0 if not
	maxInflate int64
	r          received
}

// unpack reads the HTTP entity of an AS2 message: its content headers and
// body.
func (u *unpacker) unpack(contentType, transferEncoding, disposition string, body []byte) (*received, error) {
	e := entity{header: textproto.MIMEHeader{}, body: body}
	for k, v := range map[string]string{"Content-Type": contentType, "Content-Transfer-Encoding": transferEncoding, "Content-Disposition": disposition} {
		if v != "" {
			e.header[k] = []string{v}
		}
	}
	for range maxLayers {
		mt, params, err := e.mediaType()
		if err != nil {
			return nil, fail(UnexpectedProcessingError, "%w", err)
		}
		switch mt {
		case "application/pkcs7-mime", "application/x-pkcs7-mime":
			e, err = u.open(e)
		case "multipart/signed":
			e, err = u.verify(e, params)
		default:
			return u.finish(e, mt, params)
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, fail(UnexpectedProcessingError, "more than %d layers of encryption, compression and signatures", maxLayers)
}

// open decrypts or decompresses an application/pkcs7-mime entity. The CMS
// content type decides, not the smime-type parameter, which senders omit
// or get wrong.
func (u *unpacker) open(e entity) (entity, error) {
	der, err := e.decodedBody()
	if err != nil {
		return entity{}, fail(UnexpectedProcessingError, "%w", err)
	}
	kind, err := cms.ContentType(der)
	if err != nil {
		return entity{}, fail(DecryptionFailed, "application/pkcs7-mime body: %w", err)
	}
	var plain []byte
	switch kind {
	case "enveloped-data", "authEnveloped-data":
		var env cms.Envelope
		if plain, env, err = cms.Decrypt(der, u.p.OurCertificate, u.p.OurKey); err != nil {
			return entity{}, &failure{disposition: DecryptionFailed, err: err}
		}
		u.r.encrypted, u.r.envelope = true, env
	case "compressed-data":
		if plain, err = cms.Decompress(der, u.maxInflate); err != nil {
			return entity{}, &failure{disposition: DecompressionFailed, err: err}
		}
		u.r.compressed = true
	default:
		return entity{}, fail(UnexpectedProcessingError, "application/pkcs7-mime holding %s is not supported", kind)
	}
	inner, err := parseEntity(plain)
	if err != nil {
		return entity{}, fail(UnexpectedProcessingError, "the %s content: %w", kind, err)
	}
	return inner, nil
}

// verify checks a multipart/signed entity against the partner's
// certificate and returns the signed entity. The first signature met sets
// the MIC, over the signed part exactly as it arrived (RFC 4130 section
// 7.3.1): headers, empty line and content in its transfer encoding, line
// endings untouched.
func (u *unpacker) verify(e entity, params map[string]string) (entity, error) {
	parts, err := splitMultipart(e.body, params["boundary"])
	if err != nil {
		return entity{}, fail(AuthenticationFailed, "multipart/signed: %w", err)
	}
	if len(parts) != 2 {
		return entity{}, fail(AuthenticationFailed, "multipart/signed has %d parts, not 2", len(parts))
	}
	sigPart, err := parseEntity(parts[1])
	if err != nil {
		return entity{}, fail(AuthenticationFailed, "signature part: %w", err)
	}
	sig, err := sigPart.decodedBody()
	if err != nil {
		return entity{}, fail(AuthenticationFailed, "signature part: %w", err)
	}
	digest, err := cms.Verify(parts[0], sig, u.p.Certificate)
	if err != nil {
		var ve *cms.VerifyError
		if errors.As(err, &ve) && ve.Integrity {
			return entity{}, &failure{disposition: IntegrityCheckFailed, err: err}
		}
		return entity{}, &failure{disposition: AuthenticationFailed, err: err}
	}
	if !u.r.signed {
		alg := u.micAlg
		if alg == 0 { // no signed-receipt-micalg: the signature's own digest
			alg = digest
		}
		u.r.mic = computeMIC(alg, parts[0])
	}
	u.r.signed = true
	signed, err := parseEntity(parts[0])
	if err != nil {
		return entity{}, fail(UnexpectedProcessingError, "signed part: %w", err)
	}
	return signed, nil
}

// finish reads the payload entity. An unsigned message's MIC is over the
// decrypted (and, RFC 5402, decompressed) entity when it was encrypted,
// and over the content alone when it was not.
func (u *unpacker) finish(e entity, mt string, params map[string]string) (*received, error) {
	payload, err := e.decodedBody()
	if err != nil {
		return nil, fail(UnexpectedProcessingError, "payload: %w", err)
	}
	if !u.r.signed {
		alg := u.micAlg
		if alg == 0 {
			alg = crypto.SHA256
		}
		if u.r.encrypted {
			u.r.mic = computeMIC(alg, e.raw)
		} else {
			u.r.mic = computeMIC(alg, payload)
		}
	}
	u.r.payload = payload
	u.r.contentType = mt
	if ct := e.header.Get("Content-Type"); ct != "" {
		u.r.contentType = ct
	}
	u.r.fileName = fileName(e.header.Get("Content-Disposition"), params["name"])
	return &u.r, nil
}

// fileName returns the base name from a Content-Disposition filename, or
// else from a Content-Type name parameter, with any path dropped.
func fileName(disposition, name string) string {
	if _, params, err := mime.ParseMediaType(disposition); err == nil && params["filename"] != "" {
		name = params["filename"]
	}
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	return name
}
