// Package as2 is the AS2 transport (RFC 4130): a Receiver, the
// http.Handler partners send to, and a Sender for what we send them.
//
// # Receiving
//
// The Receiver finds the Partner profile by the AS2-From and AS2-To
// headers (quoted or not), reads the body up to a limit, and peels the
// message's layers in whatever order the sender nested them: decryption
// (CMS EnvelopedData with 3DES or AES-CBC, AuthEnvelopedData with AES-GCM;
// RSA PKCS#1 v1.5 or OAEP key transport), decompression (CMS
// CompressedData, RFC 5402) and the detached signature, which must be the
// partner's. The payload, with its AS2 details in Meta, goes to the
// transport.Sink; only when the sink has stored it is the MDN built and
// sent: in the response, or, when the partner asked for an asynchronous
// one, POSTed to its URL after an empty 200, with retries.
//
// The MIC follows RFC 4130 section 7.3.1 to the byte: for a signed
// message, the digest of the signed MIME part exactly as it arrived
// (headers, empty line and content in its transfer encoding; line endings
// are never rewritten); for an encrypted, unsigned one, the decrypted (and
// decompressed) entity; otherwise the content alone. The algorithm is the
// first one of signed-receipt-micalg that this package supports; without
// that parameter, the signature's digest, or SHA-256.
//
// A message that cannot be processed gets an MDN with a
// "processed/error:" disposition (decryption-failed,
// authentication-failed, integrity-check-failed, decompression-failed,
// insufficient-message-security when the profile requires a signature or
// encryption the message lacks, unexpected-processing-error), is kept in
// the quarantine sink as it came, and is logged. A message from an AS2
// pair no profile has is refused with HTTP 403, naming both ids. A store
// that fails is answered with HTTP 503 and no MDN, so the partner sends
// again. A message whose Message-ID the partner used before is answered
// with the MDN sent the first time and not handed on again (State).
//
// # Sending
//
// The Sender builds the mirror image from the partner's SendOptions:
// compression before or after signing, the signature, encryption; POSTs
// it; and, for a synchronous MDN, checks the MDN: the partner's signature,
// the Original-Message-ID, a processed disposition, and a
// Received-Content-MIC equal to the MIC of what was sent. Anything else is
// a *DeliveryError. An asynchronous MDN arrives at the Receiver, which
// passes it on to the Sender (AsyncMDNHandler); the Sender matches it to
// the message waiting for it (State) and reports the Outcome.
//
// # CMS
//
// Package cms holds the cryptographic message syntax: signatures through
// github.com/smallstep/pkcs7, and envelopes and compression written here,
// because that library cannot do them interoperably.
package as2
