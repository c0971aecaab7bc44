// Package edifact reads and writes UN/EDIFACT interchanges (ISO 9735): syntax
// only, with no business meaning.
//
// A Reader streams segments from any io.Reader, the way encoding/csv streams
// records: Read returns the next segment, ReadMessage the next message (UNH
// to UNT) and ReadAll the whole input. It follows the UNA service string
// advice (or the defaults when there is none, including those of syntax level
// B), the release character, the repetition separator of syntax version 4,
// line breaks after terminators, a byte order mark, several interchanges in
// one stream, each with its own UNA, and message-only input without UNB.
// While reading it checks the envelopes: the segment count and reference of
// each UNT, the counts and references of UNE and UNZ, and that every
// message, group and interchange is closed.
//
// # Character sets
//
// Text is decoded to UTF-8 by the character set the UNB syntax identifier
// declares: UNOA and UNOB (subsets of ASCII, checked against their
// repertoires), UNOC to UNOK (ISO 8859-1, -2, -5, -7, -3, -4, -6, -8, -9),
// UNOW and UNOY (UTF-8), and IATA and IATB (as levels A and B). Input without
// UNB is read as Reader.Syntax (UNOC unless set). A byte outside the declared
// repertoire is a FaultCharset, and so is text in a single-byte set whose
// bytes form valid UTF-8 (a file declared UNOC but written in UTF-8, which
// would otherwise turn into mojibake). When the fault is tolerated, the
// component is decoded by the fallback: as UTF-8 if it is valid UTF-8, else
// as Windows-1252.
//
// # Errors and lenient mode
//
// Every error is a *SyntaxError that names the byte offset, line, segment,
// message, element and component. Real files carry faults that a partner
// agreement may accept (counts off by one, zero-padded counts, segments
// ended by line breaks, a stray empty segment, indentation, a missing UNZ,
// mislabelled character sets, ...): each kind is a Fault, and the faults in
// Reader.Accept are recorded as warnings (Reader.Warnings, Message.Warnings)
// instead of stopping the read. ParseFaults reads a set of them from
// configuration text.
//
// # Writing
//
// A Writer escapes data, encodes it to the declared character set (a
// character the set cannot represent is an error, never a '?'), writes a UNA
// when the delimiters are not the defaults, and computes the counts and
// references of UNT, UNE and UNZ itself.
//
// # Memory
//
// Segments share memory with the Reader's input blocks and with large blocks
// of decoded text; a Reader never writes a block again once a segment points
// into it, so segments stay valid for as long as they are held, and memory
// for a stream is bounded by the segments (or messages) kept, not by the
// input.
package edifact
