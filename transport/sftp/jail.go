package sftp

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	pkgsftp "github.com/pkg/sftp"

	"github.com/edibridge/edibridge/transport/folder"
)

// The folders of an account's tree. archiveFolder is on disk only.
const (
	inFolder      = "in"
	outFolder     = "out"
	archiveFolder = "archive"
)

// A jail serves the SFTP requests of one session against the account's
// virtual tree: "/", "/in" and "/out", and the files directly in the two
// folders. Client paths never reach the file system: in/ exists only in
// memory (pending uploads), and out/ is reached through an os.Root by a
// name that passed folder.CheckName.
type jail struct{ c *conn }

// handlers returns the request server's handlers for a session of c.
func (c *conn) handlers() pkgsftp.Handlers {
	j := jail{c}
	return pkgsftp.Handlers{FileGet: j, FilePut: j, FileCmd: j, FileList: j}
}

// A place is a location in the tree: the root (both empty), a folder
// (name empty) or a file in a folder.
type place struct{ folder, name string }

// locate maps a path, as the request server gives it (absolute and
// cleaned, so ".." is already resolved against the tree's root), to a
// place. Anything else, such as a path below a file or outside the two
// folders, does not exist.
func locate(p string) (place, error) {
	if !path.IsAbs(p) || path.Clean(p) != p {
		return place{}, fmt.Errorf("%s: not a clean absolute path: %w", p, pkgsftp.ErrSSHFxPermissionDenied)
	}
	rest := strings.TrimPrefix(p, "/")
	if rest == "" {
		return place{}, nil
	}
	dir, name, _ := strings.Cut(rest, "/")
	if (dir != inFolder && dir != outFolder) || strings.Contains(name, "/") {
		return place{}, notFound(p)
	}
	return place{folder: dir, name: name}, nil
}

func notFound(p string) error { return fmt.Errorf("%s: %w", p, pkgsftp.ErrSSHFxNoSuchFile) }

// refuse logs a refused operation and returns the client's error.
func (j jail) refuse(op, p, why string) error {
	j.c.log.Warn("sftp: operation refused", "op", op, "path", p, "reason", why)
	return fmt.Errorf("%s: %s: %w", p, why, pkgsftp.ErrSSHFxPermissionDenied)
}

// outside logs an attempt to open a file outside the tree (listings and
// stats of such paths are common client probing, and not logged).
func (j jail) outside(op, p string, err error) error {
	j.c.log.Warn("sftp: operation refused", "op", op, "path", p, "reason", "outside the account's folders")
	return err
}

// Fileread opens a file in out/ for download.
func (j jail) Fileread(r *pkgsftp.Request) (io.ReaderAt, error) {
	pl, err := locate(r.Filepath)
	if err != nil {
		return nil, j.outside("read", r.Filepath, err)
	}
	if pl.folder != outFolder || pl.name == "" {
		return nil, j.refuse("read", r.Filepath, "only files in out/ can be downloaded")
	}
	if err := j.c.openFile(); err != nil {
		return nil, err
	}
	d, err := j.c.openDownload(pl.name)
	if err != nil {
		j.c.closeFile()
		return nil, err
	}
	return d, nil
}

// Filewrite starts an upload to in/.
func (j jail) Filewrite(r *pkgsftp.Request) (io.WriterAt, error) {
	pl, err := locate(r.Filepath)
	if err != nil {
		return nil, j.outside("write", r.Filepath, err)
	}
	if pl.folder != inFolder || pl.name == "" {
		return nil, j.refuse("write", r.Filepath, "uploads go to in/")
	}
	if err := folder.CheckName(pl.name); err != nil {
		return nil, j.refuse("write", r.Filepath, err.Error())
	}
	u, err := j.c.startUpload(pl.name)
	if err != nil {
		return nil, err // not a nil *upload in a non-nil interface
	}
	return u, nil
}

// Filecmd handles the commands: renames of held uploads, removals, and
// attribute changes (accepted and ignored, since `put -p` sends them).
// Folders, links and symlinks cannot be made.
func (j jail) Filecmd(r *pkgsftp.Request) error {
	switch r.Method {
	case "Setstat":
		return j.setstat(r.Filepath)
	case "Rename", "PosixRename":
		return j.rename(r.Filepath, r.Target)
	case "Remove":
		return j.remove(r.Filepath)
	case "Symlink", "Link":
		return j.refuse(strings.ToLower(r.Method), r.Target, "links cannot be made")
	default:
		return j.refuse(strings.ToLower(r.Method), r.Filepath, "the folders are fixed")
	}
}

// setstat accepts, and ignores, an attribute change of anything in the
// tree, and of any name in in/: clients that keep a file's time (`put -p`,
// WinSCP by default) set it after the close, when the upload is stored and
// no longer in in/, and would report a failure, and send again.
func (j jail) setstat(p string) error {
	pl, err := locate(p)
	if err != nil {
		return err
	}
	if pl.folder == inFolder && pl.name != "" {
		if folder.CheckName(pl.name) != nil {
			return notFound(p)
		}
		return nil
	}
	_, err = j.stat(p)
	return err
}

// PosixRename is Rename: a held upload's real name must be free anyway.
func (j jail) PosixRename(r *pkgsftp.Request) error { return j.rename(r.Filepath, r.Target) }

// rename stores an upload held under a temporary name as its real name.
func (j jail) rename(from, to string) error {
	src, err := locate(from)
	if err != nil {
		return err
	}
	dst, err := locate(to)
	if err != nil {
		return err
	}
	acct := j.c.acct
	if src.folder != inFolder || dst.folder != inFolder || src.name == "" || dst.name == "" || !acct.holds(src.name) {
		return j.refuse("rename", from, "only uploads under a temporary name can be renamed, within in/")
	}
	if err := folder.CheckName(dst.name); err != nil {
		return j.refuse("rename", to, err.Error())
	}
	if acct.holds(dst.name) {
		return j.refuse("rename", to, "the new name is a temporary name too")
	}
	u := j.c.acct.lookup(src.name)
	if u == nil {
		return notFound(from)
	}
	if !j.c.isHeld(u) {
		return j.refuse("rename", from, "the upload is still open, or belongs to another connection")
	}
	return j.c.promote(u, dst.name)
}

// remove drops a held upload from in/, or a file from out/ (archived or
// deleted, by the account's setting).
func (j jail) remove(p string) error {
	pl, err := locate(p)
	if err != nil {
		return err
	}
	switch {
	case pl.folder == inFolder && pl.name != "":
		u := j.c.acct.lookup(pl.name)
		if u == nil {
			return notFound(p)
		}
		if !j.c.isHeld(u) {
			return j.refuse("remove", p, "the upload is still open, or belongs to another connection")
		}
		j.c.unhold(u)
		u.discard()
		return nil
	case pl.folder == outFolder && pl.name != "":
		return j.c.retireOut(pl.name, "removed by the partner")
	}
	return j.refuse("remove", p, "the folders are fixed")
}

// Filelist lists a folder or describes one entry (Stat).
func (j jail) Filelist(r *pkgsftp.Request) (pkgsftp.ListerAt, error) {
	switch r.Method {
	case "List":
		return j.list(r.Filepath)
	case "Stat":
		return j.stat(r.Filepath)
	}
	return nil, j.refuse(strings.ToLower(r.Method), r.Filepath, "there are no links")
}

// Lstat is Stat: the tree has no links.
func (j jail) Lstat(r *pkgsftp.Request) (pkgsftp.ListerAt, error) { return j.stat(r.Filepath) }

func (j jail) list(p string) (pkgsftp.ListerAt, error) {
	pl, err := locate(p)
	if err != nil {
		return nil, err
	}
	switch {
	case pl.folder == "":
		return listing{folderInfo(inFolder), folderInfo(outFolder)}, nil
	case pl.name != "":
		return nil, fmt.Errorf("%s: not a folder: %w", p, pkgsftp.ErrSSHFxFailure)
	case pl.folder == inFolder:
		return listing(j.c.acct.listPending()), nil
	}
	infos, err := j.c.acct.listOut()
	if err != nil {
		j.c.log.Error("sftp: cannot list out/", "err", err)
		return nil, fmt.Errorf("%s: %w", p, pkgsftp.ErrSSHFxFailure)
	}
	return listing(infos), nil
}

func (j jail) stat(p string) (pkgsftp.ListerAt, error) {
	pl, err := locate(p)
	if err != nil {
		return nil, err
	}
	switch {
	case pl.folder == "":
		return listing{folderInfo("/")}, nil
	case pl.name == "":
		return listing{folderInfo(pl.folder)}, nil
	case pl.folder == inFolder:
		if u := j.c.acct.lookup(pl.name); u != nil {
			return listing{u.info(pl.name)}, nil
		}
		return nil, notFound(p)
	}
	fi, err := j.c.acct.statOut(pl.name)
	if err != nil {
		return nil, notFound(p)
	}
	return listing{fi}, nil
}

// A listing is the ListerAt of a folder listing or a Stat.
type listing []os.FileInfo

// ListAt copies entries from offset on, with io.EOF once all are given.
func (l listing) ListAt(dst []os.FileInfo, offset int64) (int, error) {
	if offset >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[offset:])
	if offset+int64(n) >= int64(len(l)) {
		return n, io.EOF
	}
	return n, nil
}

// fileInfo describes an entry of the virtual tree.
type fileInfo struct {
	name    string
	size    int64
	mode    fs.FileMode
	modTime time.Time
}

func folderInfo(name string) fileInfo {
	return fileInfo{name: name, mode: fs.ModeDir | 0o750}
}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.size }
func (fi fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi fileInfo) ModTime() time.Time { return fi.modTime }
func (fi fileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi fileInfo) Sys() any           { return nil }
