package folder

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength is the longest file name, in bytes, that CheckName
// accepts: NAME_MAX of the usual file systems.
const MaxNameLength = 255

// ErrBadName is wrapped by the errors of CheckName.
var ErrBadName = errors.New("bad file name")

// windowsForbidden are the characters Windows refuses in a file name,
// besides the path separators and control characters.
const windowsForbidden = `:*?"<>|`

// CheckName accepts a file name that is safe to use as one component of a
// path on any system a partner might use: valid UTF-8 of at most
// MaxNameLength bytes; no path separators, no control characters, none of
// the characters Windows refuses (:*?"<>|) and no invisible format
// characters (bidirectional overrides and zero-width characters, which
// make a name read as another, "invoice\u202Eide.exe" as "invoiceexe.edi");
// not starting with a dot (so neither "." nor ".." nor a hidden or
// temporary name); not ending with a space or a dot (which Windows drops);
// and not a Windows device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with
// or without an extension, in any case), which Windows opens as the device.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty", ErrBadName)
	case len(name) > MaxNameLength:
		return fmt.Errorf("%w: %d bytes, more than %d", ErrBadName, len(name), MaxNameLength)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: %q is not UTF-8", ErrBadName, name)
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("%w: %q starts with a dot", ErrBadName, name)
	case strings.HasSuffix(name, " ") || strings.HasSuffix(name, "."):
		return fmt.Errorf("%w: %q ends with a space or a dot", ErrBadName, name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("%w: %q contains a path separator", ErrBadName, name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("%w: %q contains a control character", ErrBadName, name)
	case strings.ContainsAny(name, windowsForbidden):
		return fmt.Errorf("%w: %q contains one of %s", ErrBadName, name, windowsForbidden)
	case strings.ContainsFunc(name, isFormatCharacter):
		return fmt.Errorf("%w: %q contains an invisible format character", ErrBadName, name)
	case isWindowsDevice(name):
		return fmt.Errorf("%w: %q is a Windows device name", ErrBadName, name)
	}
	return nil
}

func isFormatCharacter(r rune) bool { return unicode.Is(unicode.Cf, r) }

// isWindowsDevice reports whether Windows takes name for a device: its
// part before the first dot, less trailing spaces, is a device name.
// Windows also counts the superscript digits ¹²³ as digits there.
func isWindowsDevice(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	for _, prefix := range []string{"COM", "LPT"} {
		if digit, ok := strings.CutPrefix(base, prefix); ok {
			return len(digit) == 1 && digit >= "1" && digit <= "9" || digit == "¹" || digit == "²" || digit == "³"
		}
	}
	return false
}

// FitName returns name+suffix, with name cut short (at a character
// boundary) when the two together would be longer than MaxNameLength:
// temporary and archive names are made by adding to a partner's name,
// which may already be as long as a name can be.
func FitName(name, suffix string) string {
	room := MaxNameLength - len(suffix)
	if len(name) <= room {
		return name + suffix
	}
	cut := max(room, 0)
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + suffix
}
